"""Deadlines (time standards) that survive restarts, derived from a service's own stored events.

Why not timers: a timer dies with the process. Here the deadlines are a projection of the event
log: the service says which events open or close a deadline (``deadlines_of``), a
:class:`DeadlineBook` keeps an index table in the service's own database (position recorded in the
same transaction as the rows, so it is exactly once and rebuilds itself after any crash), and
:meth:`DeadlineBook.fire_due` hands each missed deadline to the service's handler, which runs an
ordinary command (record an Overdue event, escalate). The handler's own events then close or move
the deadline through ``deadlines_of``, so a deadline fires once per due time, and a handler that
finds the state moved on (a :class:`DomainError`) marks it spent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from .errors import DomainError
from .eventstore import ServiceApplication
from .ownlog import OwnLogProjection, row_values

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deadline:
    """A step that must be done by ``due_at``; ``action`` tells the handler what to do if it is not."""

    key: str
    due_at: dt.datetime
    action: str
    aggregate_id: UUID | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClearDeadline:
    key: str


DeadlinesOf = Callable[[Any], Iterable[Deadline | ClearDeadline]]
OnDue = Callable[[Deadline], None]

def _epoch(moment: dt.datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("deadlines need timezone-aware datetimes")
    return moment.timestamp()


class DeadlineBook(OwnLogProjection):
    def __init__(self, application: ServiceApplication, deadlines_of: DeadlinesOf, name: str = "deadlines",
                 *, events: Collection[type] | None = None) -> None:
        """``events``: the only event classes ``deadlines_of`` opens or closes a deadline on, if given;
        the book then skips the others unread (decoding every event of the log was most of its cost)."""
        self.deadlines_of = deadlines_of
        self.topics = None if events is None else frozenset(get_topic(cls) for cls in events)
        super().__init__(application, name)

    def create_tables(self, c: Any) -> None:
        c.execute(f"CREATE TABLE IF NOT EXISTS {self.table()} (key TEXT PRIMARY KEY, due_at {self.db.real} NOT NULL, "
                  f"action TEXT NOT NULL, aggregate_id TEXT, data TEXT NOT NULL, fired_at {self.db.real})")
        # Fired deadlines stay (history), so an index of all due times would make every round read
        # more as the years pass: the round reads the open ones only, an index range (due_at <= now)
        # that is empty when nothing is due.
        c.execute(f"DROP INDEX IF EXISTS {self.db.qualify(self.name + '_due')}")
        c.execute(f"CREATE INDEX IF NOT EXISTS {self.name}_open_due ON {self.table()} (due_at) WHERE fired_at IS NULL")

    def apply(self, c: Any, notifications: Sequence[Notification]) -> None:
        sql, topics = self.db.sql, self.topics
        for notification in notifications:
            if topics is not None and notification.topic not in topics:
                continue
            for change in self.deadlines_of(self.application.mapper.to_domain_event(notification)):
                c.execute(sql(f"DELETE FROM {self.table()} WHERE key = ?"), (change.key,))
                if isinstance(change, Deadline):
                    c.execute(
                        sql(f"INSERT INTO {self.table()} (key, due_at, action, aggregate_id, data, fired_at) "
                            "VALUES (?, ?, ?, ?, ?, NULL)"),
                        (change.key, _epoch(change.due_at), change.action,
                         str(change.aggregate_id) if change.aggregate_id else None,
                         json.dumps(change.data, sort_keys=True, default=str)),
                    )

    # -- queries and firing -------------------------------------------------------------------

    def open_deadlines(self) -> list[Deadline]:
        return self._select(f"SELECT key, due_at, action, aggregate_id, data FROM {self.table()} "
                            "WHERE fired_at IS NULL ORDER BY due_at, key", ())

    def open_count(self) -> int:
        with self.db.transaction() as c:
            c.execute(f"SELECT COUNT(*) FROM {self.table()} WHERE fired_at IS NULL")
            return int(row_values(c.fetchone())[0])

    def due_statement(self) -> str:
        return (f"SELECT key, due_at, action, aggregate_id, data FROM {self.table()} "
                "WHERE fired_at IS NULL AND due_at <= ? ORDER BY due_at, key")

    def due(self, now: dt.datetime) -> list[Deadline]:
        return self._select(self.due_statement(), (_epoch(now),))

    def _select(self, statement: str, params: tuple[Any, ...]) -> list[Deadline]:
        with self.db.transaction() as c:
            c.execute(self.db.sql(statement), params)
            rows = [row_values(r) for r in c.fetchall()]
        return [
            Deadline(key=k, due_at=dt.datetime.fromtimestamp(d, dt.timezone.utc), action=a,
                     aggregate_id=UUID(agg) if agg else None, data=json.loads(data))
            for k, d, a, agg, data in rows
        ]

    def fire_due(self, now: dt.datetime, on_due: OnDue) -> list[Deadline]:
        """Hand every deadline due at ``now`` to ``on_due``; returns the ones handled."""
        self.catch_up()
        handled = []
        for deadline in self.due(now):
            try:
                on_due(deadline)
            except DomainError as e:  # the state moved on (done meanwhile, closed...): nothing to do
                log.info("deadline %s (%s) not applied: %s", deadline.key, deadline.action, type(e).__name__)
            except Exception:  # noqa: BLE001 - left open: the next round tries again
                log.exception("deadline %s (%s) failed; will retry", deadline.key, deadline.action)
                continue
            self.catch_up()  # the handler's events close or move the deadline
            self._mark_fired(deadline, now)
            handled.append(deadline)
        return handled

    def _mark_fired(self, deadline: Deadline, now: dt.datetime) -> None:
        # Only the row as it was fired: a deadline the handler moved (same key, new due) stays open.
        with self.db.transaction() as c:
            c.execute(
                self.db.sql(f"UPDATE {self.table()} SET fired_at = ? WHERE key = ? AND due_at = ? "
                               "AND action = ? AND fired_at IS NULL"),
                (_epoch(now), deadline.key, _epoch(deadline.due_at), deadline.action),
            )


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class DeadlineWatcher:
    """Runs :meth:`DeadlineBook.fire_due` every ``interval`` seconds in the service's event loop."""

    def __init__(self, book: DeadlineBook, on_due: OnDue, interval: float,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.book, self.on_due, self.interval, self.clock = book, on_due, interval, clock
        self._task: asyncio.Task[None] | None = None
        self.fired = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="deadline-watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            try:
                fired = await asyncio.to_thread(self.book.fire_due, self.clock(), self.on_due)
                self.fired += len(fired)
            except Exception:  # noqa: BLE001 - a database hiccup must not stop the watcher
                log.exception("deadline watcher round failed")
            await asyncio.sleep(self.interval)
