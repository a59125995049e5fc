"""Time standards of the letters: which stored events start or end a step, and what a missed one does.

One deadline per letter (key ``letter:<id>``), replaced whenever the letter enters a new step, with
the due time from the letter type's time standard for that step; issuance, rejection and
revocation clear it. The monthly BPJS batch has its deadline at the end of its month, when it is
closed and sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slrt_contracts import service_actor
from slrt_contracts.events.letters import LetterStep
from slrt_runtime.deadlines import ClearDeadline, Deadline, DeadlineBook

from . import LettersApplication
from ..domain import BpjsBatch, Letter, period_end, starts_step_clock

LETTER_OVERDUE = "letter_overdue"
CLOSE_BATCH = "close_bpjs_batch"


def deadlines_for(app: LettersApplication):  # noqa: ANN201 - a DeadlinesOf
    def deadlines_of(domain_event: Any) -> Iterable[Deadline | ClearDeadline]:
        if isinstance(domain_event, BpjsBatch.Opened):
            period = domain_event.period
            return [Deadline(key=f"bpjs-batch:{period}", due_at=period_end(period), action=CLOSE_BATCH,
                             aggregate_id=domain_event.originator_id, data={"period": period})]
        if isinstance(domain_event, BpjsBatch.Closed):
            return [ClearDeadline(f"bpjs-batch:{domain_event.period}")]
        if not isinstance(domain_event, (Letter.Requested, Letter.Public)):
            return []
        letter_id, version = domain_event.originator_id, domain_event.originator_version
        key = f"letter:{letter_id}"
        letter: Letter = app.repository.get(letter_id, version=version)
        step = letter.current_step
        if step is None:
            return [ClearDeadline(key)]
        before = app.repository.get(letter_id, version=version - 1).current_step if version > 1 else None
        if not starts_step_clock(before, letter, domain_event):
            return []  # the same step goes on: its clock keeps running
        due = letter.kind.time_standards[step].due(domain_event.timestamp)
        return [Deadline(key=key, due_at=due, action=LETTER_OVERDUE, aggregate_id=letter_id, data={"step": step.value})]

    return deadlines_of


def on_due_for(app: LettersApplication):  # noqa: ANN201 - an OnDue
    def on_due(deadline: Deadline) -> None:
        if deadline.action == LETTER_OVERDUE and deadline.aggregate_id is not None:
            app.record_overdue(deadline.aggregate_id, LetterStep(deadline.data["step"]), deadline.due_at)
        elif deadline.action == CLOSE_BATCH:
            app.close_batch(deadline.data["period"], service_actor("letters", app.settings.district))

    return on_due


def deadline_book(app: LettersApplication) -> DeadlineBook:
    return DeadlineBook(app, deadlines_for(app))
