"""Time standards per step: a step that misses its standard becomes a LetterOverdue event, once."""

from __future__ import annotations

import datetime as dt

from slrt_contracts.events.letters import LetterOverdue
from slrt_letters.application import LettersApplication
from slrt_letters.application.deadlines import deadline_book, on_due_for
from slrt_letters.entrypoints.messaging import to_contract
from slrt_letters.testing import KASI, PENGELOLA, person


def overdue_events(app: LettersApplication) -> list[LetterOverdue]:
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 1000)]
    return [c for c in map(to_contract, events) if isinstance(c, LetterOverdue)]


def test_a_paraf_left_waiting_is_flagged_overdue_once_and_the_next_step_gets_its_own_clock(
        sqlite_app: LettersApplication) -> None:
    app = sqlite_app
    letter_id, _ = app.request_letter(actor=PENGELOLA, letter_type="rec-health-fee-waiver", fields=person(),
                                      documents_presented=["sktm", "kk", "ktp"])
    app.draft(letter_id, PENGELOLA)
    book, on_due = deadline_book(app), on_due_for(app)
    book.catch_up()
    (deadline,) = [d for d in book.open_deadlines() if d.aggregate_id == letter_id]
    drafted_at = app.repository.get(letter_id).drafted_at
    assert deadline.data == {"step": "paraf"}
    assert deadline.due_at == drafted_at + dt.timedelta(minutes=30)  # the fee waiver's paraf standard

    assert book.fire_due(deadline.due_at - dt.timedelta(seconds=1), on_due) == []
    fired = book.fire_due(deadline.due_at + dt.timedelta(minutes=1), on_due)
    assert [d.key for d in fired] == [f"letter:{letter_id}"]
    assert book.fire_due(deadline.due_at + dt.timedelta(hours=1), on_due) == []  # once per due time
    on_due(deadline)  # the handler run twice records nothing twice
    (overdue,) = overdue_events(app)
    assert (overdue.step.value, overdue.region, overdue.letter_type) == ("paraf", "1605012003", "rec-health-fee-waiver")
    assert overdue.due_at == deadline.due_at and overdue.letter_id == letter_id

    app.initial(letter_id, KASI)  # still the paraf step: no new clock, the spent one stays spent
    book.catch_up()
    assert [d for d in book.open_deadlines() if d.aggregate_id == letter_id] == []
    app.reject(letter_id, KASI, "Pemohon menarik permohonan")
    book.catch_up()
    assert [d for d in book.open_deadlines() if d.aggregate_id == letter_id] == []


def test_no_overdue_for_a_step_that_was_done_in_time(app: LettersApplication) -> None:
    letter_id, _ = app.request_letter(actor=PENGELOLA, letter_type="sktm", fields=person())
    book, on_due = deadline_book(app), on_due_for(app)
    book.catch_up()
    (deadline,) = book.open_deadlines()
    assert deadline.data == {"step": "verification"}  # the SKTM of Musi Rawas has no document checklist
    app.draft(letter_id, PENGELOLA)  # verified and drafted in time
    book.fire_due(deadline.due_at + dt.timedelta(minutes=1), on_due)
    assert overdue_events(app) == []
