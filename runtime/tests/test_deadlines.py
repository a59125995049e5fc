"""Deadlines derived from stored events: they survive restarts, fire once, and follow escalation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate, event
from slrt_runtime.deadlines import ClearDeadline, Deadline, DeadlineBook
from slrt_runtime.errors import InvalidTransition
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.timestandards import WIB, InvalidTimeStandard, TimeStandard

T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.timezone.utc)  # Monday 08:00 WIB
LEVELS = ("puskesos", "supervisor", "manager")


class Case(Aggregate):
    """A case handled level by level; each level has two hours before it escalates."""

    @event("Opened")
    def __init__(self, opened_at: dt.datetime) -> None:
        self.level = LEVELS[0]
        self.level_since = opened_at
        self.closed = False

    @event("Escalated")
    def escalate(self, at: dt.datetime, reason: str) -> None:
        if self.closed or self.level == LEVELS[-1]:
            raise InvalidTransition(f"cannot escalate from {self.level}")
        self.level = LEVELS[LEVELS.index(self.level) + 1]
        self.level_since = at

    @event("Closed")
    def close(self) -> None:
        self.closed = True


def deadlines_of(domain_event: object) -> Iterable[Deadline | ClearDeadline]:
    key = f"{domain_event.originator_id}:level"  # type: ignore[attr-defined]
    if isinstance(domain_event, (Case.Opened, Case.Escalated)):
        since = domain_event.opened_at if isinstance(domain_event, Case.Opened) else domain_event.at
        yield Deadline(key, TimeStandard.parse("2 hours").due(since), "escalate", domain_event.originator_id)
    elif isinstance(domain_event, Case.Closed):
        yield ClearDeadline(key)


class Cases(ServiceApplication):
    name = "Cases"

    def open(self, at: dt.datetime) -> UUID:
        case = Case(opened_at=at)
        self.save(case)
        return case.id

    def escalate(self, case_id: UUID, at: dt.datetime) -> None:
        case: Case = self.repository.get(case_id)
        case.escalate(at=at, reason="deadline")
        self.save(case)

    def close_case(self, case_id: UUID) -> None:
        case: Case = self.repository.get(case_id)
        case.close()
        self.save(case)


def escalator(app: Cases, now: dt.datetime):
    def on_due(deadline: Deadline) -> None:
        assert deadline.aggregate_id is not None
        app.escalate(deadline.aggregate_id, now)
    return on_due


@pytest.fixture(params=["sqlite", "memory", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> ServiceSettings:
    if request.param == "postgres":
        return request.getfixturevalue("postgres_settings")
    return ServiceSettings(persistence=request.param, data_dir=tmp_path)


def test_a_missed_deadline_escalates_once_and_the_next_level_gets_its_own(settings: ServiceSettings) -> None:
    app = Cases(settings)
    book = DeadlineBook(app, deadlines_of)
    case_id = app.open(T0)

    assert book.fire_due(T0 + dt.timedelta(hours=1), escalator(app, T0)) == []
    late = T0 + dt.timedelta(hours=2, minutes=1)
    assert [d.action for d in book.fire_due(late, escalator(app, late))] == ["escalate"]
    assert app.repository.get(case_id).level == "supervisor"
    # Firing again at the same moment does nothing: the supervisor's deadline is two hours later.
    assert book.fire_due(late, escalator(app, late)) == []
    assert app.repository.get(case_id).level == "supervisor"
    assert [d.due_at for d in book.open_deadlines()] == [late + dt.timedelta(hours=2)]


def test_closing_clears_the_deadline(settings: ServiceSettings) -> None:
    app = Cases(settings)
    book = DeadlineBook(app, deadlines_of)
    case_id = app.open(T0)
    app.close_case(case_id)
    assert book.fire_due(T0 + dt.timedelta(days=3), escalator(app, T0)) == []
    assert book.open_deadlines() == []


def test_a_handler_refused_by_the_domain_marks_the_deadline_spent(settings: ServiceSettings) -> None:
    app = Cases(settings)
    book = DeadlineBook(app, deadlines_of)
    case_id = app.open(T0)
    for hours in (3, 6):  # puskesos → supervisor → manager
        now = T0 + dt.timedelta(hours=hours)
        book.fire_due(now, escalator(app, now))
    assert app.repository.get(case_id).level == "manager"
    now = T0 + dt.timedelta(hours=9)
    assert len(book.fire_due(now, escalator(app, now))) == 1  # InvalidTransition: nowhere higher
    assert book.fire_due(now + dt.timedelta(hours=1), escalator(app, now)) == []


class Note(Aggregate):
    """Something else the service stores, which opens no deadline."""

    @event("Written")
    def __init__(self, text: str) -> None:
        self.text = text


def test_a_book_told_its_events_reads_no_other_and_works_the_same(settings: ServiceSettings) -> None:
    app = Cases(settings)
    seen: list[str] = []

    def recording(domain_event: object) -> Iterable[Deadline | ClearDeadline]:
        seen.append(type(domain_event).__name__)
        return deadlines_of(domain_event)

    book = DeadlineBook(app, recording, events=(Case.Opened, Case.Escalated, Case.Closed))
    case_id = app.open(T0)
    app.save(Note(text="no deadline"))
    app.close_case(app.open(T0))
    late = T0 + dt.timedelta(hours=2, minutes=1)
    assert [d.aggregate_id for d in book.fire_due(late, escalator(app, late))] == [case_id]
    assert seen == ["Opened", "Opened", "Closed", "Escalated"], "the note is left unread"
    assert app.repository.get(case_id).level == "supervisor"
    assert [d.due_at for d in book.open_deadlines()] == [late + dt.timedelta(hours=2)]


def test_deadlines_survive_a_restart_of_the_service(tmp_path: Path) -> None:
    settings = ServiceSettings(persistence="sqlite", data_dir=tmp_path)
    app = Cases(settings)
    case_id = app.open(T0)
    DeadlineBook(app, deadlines_of).catch_up()
    del app

    restarted = Cases(settings)
    book = DeadlineBook(restarted, deadlines_of)
    assert [d.aggregate_id for d in book.open_deadlines()] == [case_id]
    late = T0 + dt.timedelta(hours=5)
    assert len(book.fire_due(late, escalator(restarted, late))) == 1
    assert restarted.repository.get(case_id).level == "supervisor"


def test_a_failing_handler_leaves_the_deadline_for_the_next_round(settings: ServiceSettings) -> None:
    app = Cases(settings)
    book = DeadlineBook(app, deadlines_of)
    app.open(T0)

    def broken(_: Deadline) -> None:
        raise ConnectionError("database went away")

    late = T0 + dt.timedelta(hours=3)
    assert book.fire_due(late, broken) == []
    assert len(book.fire_due(late, escalator(app, late))) == 1


def test_a_round_with_nothing_due_reads_only_the_open_deadlines(settings: ServiceSettings) -> None:
    """The watcher's round every few seconds costs nothing when nothing is due, however many deadlines
    fired before: an index range over the open ones (due_at <= now), no scan of the history."""
    app = Cases(settings)
    book = DeadlineBook(app, deadlines_of)
    for _ in range(30):
        app.open(T0)
    late = T0 + dt.timedelta(hours=3)
    assert len(book.fire_due(late, escalator(app, late))) == 30  # 30 fired rows of history, 30 open ones
    assert book.fire_due(late, escalator(app, late)) == []
    with book.db.transaction() as c:
        if book.db.kind == "postgres":
            c.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", (f"{book.name}_open_due",))
            (definition,) = c.fetchone().values()
            assert definition.endswith("(due_at) WHERE (fired_at IS NULL)")
        else:
            c.execute(f"EXPLAIN QUERY PLAN {book.due_statement()}", (late.timestamp(),))
            plan = " | ".join(row[-1] for row in c.fetchall())
            assert f"USING INDEX {book.name}_open_due (due_at<?)" in plan, plan


def test_time_standards_from_the_sops() -> None:
    friday_afternoon = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.timezone.utc)  # 15:00 WIB
    assert TimeStandard.parse("1 working day").due(friday_afternoon) == dt.datetime(
        2026, 11, 30, 8, 0, tzinfo=dt.timezone.utc)  # Monday
    # Christmas Eve 2026 is cuti bersama (collective leave, offices closed) and the 25th a public
    # holiday: a step started on Wednesday the 23rd with one working day is due on Monday the 28th.
    wednesday_23 = dt.datetime(2026, 12, 23, 3, 0, tzinfo=dt.timezone.utc)  # 10:00 WIB
    assert TimeStandard.parse("1 hari kerja").due(wednesday_23) == dt.datetime(2026, 12, 28, 3, 0, tzinfo=dt.timezone.utc)
    christmas_eve = dt.datetime(2026, 12, 24, 3, 0, tzinfo=dt.timezone.utc)  # started on a closed day
    assert TimeStandard.parse("1 hari kerja").due(christmas_eve) == dt.datetime(2026, 12, 29, 0, 0, tzinfo=WIB)
    # Nyepi and Idul Fitri 2026: cuti bersama on 18, 20, 23 and 24 March around the holidays (19, 21, 22).
    assert TimeStandard.parse("1 working day").due(dt.datetime(2026, 3, 17, 3, 0, tzinfo=dt.timezone.utc)).date() == (
        dt.date(2026, 3, 25))
    assert TimeStandard.parse("15 menit").due(T0) == T0 + dt.timedelta(minutes=15)
    assert TimeStandard.parse("3 months").due(dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)).date() == dt.date(
        2027, 2, 28)
    assert str(TimeStandard.parse("5 Working Days")) == "5 working days"
    assert str(TimeStandard.parse("1 hour")) == "1 hour"
    for bad in ("soon", "0 days", "3 fortnights", ""):
        with pytest.raises(InvalidTimeStandard):
            TimeStandard.parse(bad)
