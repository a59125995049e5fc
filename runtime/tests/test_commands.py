"""One command, one transaction: numbers, tracking rows and idempotency records with the events,
on every backend (SQLite file, PostgreSQL when reachable, in memory)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError
from slrt_runtime.errors import DomainError
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.idempotency import AlreadyCarriedOut, IdempotentCall, RequestInProgress, current_call
from slrt_runtime.numbering import NumberSequence
from slrt_runtime.settings import ServiceSettings


class Ticket(Aggregate):
    @event("Issued")
    def __init__(self, number: int, queue: int | None = None) -> None:
        self.number = number
        self.queue = queue


class Effect(Aggregate):
    @event("Happened")
    def __init__(self, label: str) -> None:
        self.label = label


class Office(ServiceApplication):
    name = "CommandsTest"


@pytest.fixture(params=["sqlite", "postgres", "memory"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServiceSettings]:
    if request.param == "postgres":
        yield request.getfixturevalue("postgres_settings")
    else:
        yield ServiceSettings(persistence=request.param, data_dir=tmp_path / "data")


@pytest.fixture
def office(settings: ServiceSettings) -> Iterator[Callable[[], Office]]:
    """Applications of this test, closed afterwards (each holds a connection pool on PostgreSQL)."""
    made: list[Office] = []

    def make() -> Office:
        made.append(Office(settings))
        return made[-1]

    yield make
    for app in made:
        app.close()


def test_numbers_are_unique_gap_free_and_in_commit_order_under_concurrency(
    settings: ServiceSettings, office: Callable[[], Office]
) -> None:
    apps = [office()] if settings.persistence.value == "memory" else [office() for _ in range(3)]

    def take(i: int) -> tuple[int, int]:
        ticket = apps[i % len(apps)].save_numbered(["receipt:2026", "queue:2026-12-02"], Ticket)[0]
        return ticket.number, ticket.queue

    with ThreadPoolExecutor(16) as pool:
        taken = list(pool.map(take, range(64)))
    assert sorted(n for n, _ in taken) == list(range(1, 65))
    assert sorted(q for _, q in taken) == list(range(1, 65))
    # Commit order is number order: reading the log back gives the numbers ascending.
    logged = [apps[0].mapper.to_domain_event(n).number
              for n in apps[0].recorder.select_notifications(1, 100)]
    assert logged == list(range(1, 65))


def test_a_refused_command_gives_its_number_back(office: Callable[[], Office]) -> None:
    app = office()

    def refuse(number: int) -> Ticket:
        raise DomainError("refused by a rule")

    with pytest.raises(DomainError):
        app.save_numbered(["letters:2026"], refuse)
    assert app.save_numbered(["letters:2026"], Ticket)[0].number == 1
    assert app.recorder.max_notification_id() == 1


def test_a_sequence_started_by_the_earlier_counter_continues_where_it_stopped(office: Callable[[], Office]) -> None:
    app = office()
    legacy = NumberSequence("receipt:1605:2026")
    for _ in range(41):
        legacy.issue_next()
    app.save(legacy)
    assert app.save_numbered(["receipt:1605:2026"], Ticket)[0].number == 42
    assert app.save_numbered(["receipt:1605:2026"], Ticket)[0].number == 43


def test_an_idempotency_key_is_recorded_with_the_effects_and_only_once(office: Callable[[], Office]) -> None:
    app = office()
    call = IdempotentCall(key="k1", fingerprint="f1", subject="fo-1")
    token = current_call.set(call)
    try:
        app.save(Effect("registered"))
    finally:
        current_call.reset(token)
    assert call.recorded
    stored = app.commands.find_response("k1")
    assert stored is not None and stored.fingerprint == "f1" and stored.status is None
    app.commands.store_response("k1", 201, b'{"ok": true}', "application/json", None)
    assert app.commands.find_response("k1").status == 201

    # The same key racing in a second request: its transaction is refused whole.
    second = IdempotentCall(key="k1", fingerprint="f1", subject="fo-1")
    token = current_call.set(second)
    try:
        with pytest.raises(RequestInProgress):
            app.save(Effect("registered again"))
    finally:
        current_call.reset(token)
    assert app.recorder.max_notification_id() == 1


def test_a_replayed_request_may_read_but_never_write(office: Callable[[], Office]) -> None:
    app = office()
    token = current_call.set(IdempotentCall(key="k2", fingerprint="f", subject="s", replay=True))
    try:
        with pytest.raises(AlreadyCarriedOut):
            app.save(Effect("again"))
    finally:
        current_call.reset(token)
    assert app.recorder.max_notification_id() in (None, 0)


def test_a_batch_commits_every_message_together_or_nothing(office: Callable[[], Office]) -> None:
    app = office()
    with app.batch():
        assert app.save_processed("intake", 1, Effect("one"))
        assert app.save_processed("intake", 2, Effect("two"))
        assert app.save_processed("intake", 3)  # a message with no effect is tracked too
    assert app.recorder.max_notification_id() == 2
    assert app.is_processed("intake", 3)

    # A message of the batch was processed already: the whole batch is refused, nothing written.
    app.save_processed("intake", 5, Effect("five"))
    with pytest.raises(IntegrityError), app.batch():
        app.save_processed("intake", 4, Effect("four"))
        app._collecting.get().add(__import__("eventsourcing").persistence.Tracking("intake", 5), [])  # noqa: SLF001
    assert not app.is_processed("intake", 4)
    assert app.recorder.max_notification_id() == 3

    # An exception inside the block discards everything collected.
    with pytest.raises(RuntimeError), app.batch():
        app.save_processed("intake", 6, Effect("six"))
        raise RuntimeError("handler failed")
    assert not app.is_processed("intake", 6)


def test_commands_committed_together_fail_alone(office: Callable[[], Office]) -> None:
    """Group commit: a command refused in the middle of a group gives its number back; the others
    commit, numbers stay gap-free."""
    app = office()

    def take(i: int) -> int | None:
        def build(number: int) -> Ticket:
            if i % 3 == 0:
                raise DomainError("refused by a rule")
            return Ticket(number)

        try:
            return app.save_numbered(["receipt:group"], build)[0].number
        except DomainError:
            return None

    with ThreadPoolExecutor(24) as pool:
        taken = [n for n in pool.map(take, range(90)) if n is not None]
    assert sorted(taken) == list(range(1, 61))
    assert app.recorder.max_notification_id() == 60


def test_commands_awaited_on_the_event_loop_commit_together_and_fail_alone(office: Callable[[], Office]) -> None:
    """The event loop's way in (no worker thread per command): the same grouping, numbers and
    refusals as from threads."""
    app = office()

    async def take(i: int) -> int | None:
        def build(number: int) -> Ticket:
            if i % 3 == 0:
                raise DomainError("refused by a rule")
            return Ticket(number)

        try:
            return (await app.save_numbered_async(["receipt:async"], build))[0].number
        except DomainError:
            return None

    async def desks() -> list[int | None]:
        return await asyncio.gather(*(take(i) for i in range(90)))

    taken = [n for n in asyncio.run(desks()) if n is not None]
    assert sorted(taken) == list(range(1, 61))
    assert app.recorder.max_notification_id() == 60


def test_a_response_stored_without_waiting_is_seen_by_the_next_lookup(office: Callable[[], Office]) -> None:
    app = office()

    async def request() -> None:
        call = IdempotentCall(key="k3", fingerprint="f3", subject="fo-1")
        token = current_call.set(call)
        try:
            await app.save_numbered_async(["receipt:keyed"], Ticket)
        finally:
            current_call.reset(token)
        assert call.recorded
        assert (await app.commands.lookup("k3")).status is None  # type: ignore[union-attr]
        app.commands.store_response_later("k3", 201, b'{"ok": true}', "application/json", None)
        stored = await app.commands.lookup("k3")  # queued behind the update
        assert stored is not None and stored.status == 201 and stored.body == b'{"ok": true}'
        # Lookups arriving together are answered together (one query), each with its own record.
        found = await asyncio.gather(*(app.commands.lookup(k) for k in ["k3", "unknown", "k3"]))
        assert [f.status if f else None for f in found] == [201, None, 201]

        racing = IdempotentCall(key="k3", fingerprint="f3", subject="fo-1")
        token = current_call.set(racing)
        try:
            with pytest.raises(RequestInProgress):
                await app.save_numbered_async(["receipt:keyed"], Ticket)
        finally:
            current_call.reset(token)

    asyncio.run(request())
    assert app.recorder.max_notification_id() == 1
    assert app.save_numbered(["receipt:keyed"], Ticket)[0].number == 2  # the refused one gave its number back


def test_work_nobody_waits_for_reports_its_failure_and_the_writer_goes_on(settings: ServiceSettings,
                                                                          office: Callable[[], Office]) -> None:
    if settings.persistence.value == "memory":
        pytest.skip("the in-memory store has no writer thread")
    app = office()
    failures: list[BaseException] = []
    app.commands.committer.post(lambda tx: tx.c.execute("SELECT * FROM no_such_table"), failures.append)  # type: ignore[attr-defined]
    app.save(Effect("after"))  # in the same group or the next: committed all the same
    assert len(failures) == 1 and failures[0] is not None
    assert app.recorder.max_notification_id() == 1
