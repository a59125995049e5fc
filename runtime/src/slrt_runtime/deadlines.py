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
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ProcessRecorder
from eventsourcing.popo import POPOProcessRecorder
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder

from .errors import DomainError
from .eventstore import ServiceApplication

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

_BATCH = 500


def _epoch(moment: dt.datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("deadlines need timezone-aware datetimes")
    return moment.timestamp()


class _Store:
    """The index table and its position, in the application's own database."""

    def __init__(self, recorder: ProcessRecorder, table: str, schema: str) -> None:
        self.table = f"{schema}.{table}" if schema else table
        self.position_table = f"{self.table}_position"
        self.recorder = recorder
        if isinstance(recorder, SQLiteProcessRecorder):
            self.kind, self.param = "sqlite", "?"
        elif isinstance(recorder, PostgresProcessRecorder):
            self.kind, self.param = "postgres", "%s"
        elif isinstance(recorder, POPOProcessRecorder):
            self.kind, self.param = "memory", "?"
            self._memory = sqlite3.connect(":memory:", check_same_thread=False)
            self._memory_lock = threading.Lock()
        else:
            raise NotImplementedError(f"deadlines on {type(recorder).__name__}")
        self._create()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A DB-API cursor in a committed transaction (rolled back on error)."""
        if self.kind == "memory":
            with _MemoryTransaction(self._memory, self._memory_lock) as cursor:
                yield cursor
            return
        with self.recorder.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
            # eventsourcing's SQLite wrapper hides rowcount, which the compare-and-set needs.
            yield getattr(cursor, "sqlite_cursor", cursor)

    def _create(self) -> None:
        real = "DOUBLE PRECISION" if self.kind == "postgres" else "REAL"
        with self.transaction() as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} (key TEXT PRIMARY KEY, due_at {real} NOT NULL, "
                f"action TEXT NOT NULL, aggregate_id TEXT, data TEXT NOT NULL, fired_at {real})"
            )
            c.execute(f"CREATE INDEX IF NOT EXISTS {self.table.split('.')[-1]}_due ON {self.table} (due_at)")
            c.execute(f"CREATE TABLE IF NOT EXISTS {self.position_table} (id INTEGER PRIMARY KEY, position BIGINT NOT NULL)")

    def sql(self, statement: str) -> str:
        return statement.replace("?", self.param) if self.param != "?" else statement


class _MemoryTransaction:
    def __init__(self, conn: sqlite3.Connection, lock: threading.Lock) -> None:
        self.conn, self.lock = conn, lock

    def __enter__(self) -> sqlite3.Cursor:
        self.lock.acquire()
        return self.conn.cursor()

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        try:
            self.conn.rollback() if exc_type else self.conn.commit()
        finally:
            self.lock.release()


def _values(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


class DeadlineBook:
    def __init__(self, application: ServiceApplication, deadlines_of: DeadlinesOf, name: str = "deadlines") -> None:
        self.application = application
        self.deadlines_of = deadlines_of
        schema = application.settings.postgres_schema if application.settings.persistence == "postgres" else ""
        self.store = _Store(application.recorder, f"{application.name.lower()}_{name}", schema)
        self._lock = threading.Lock()  # one catch-up at a time per process; the DB keeps replicas apart

    # -- projection -------------------------------------------------------------------------

    def position(self) -> int:
        with self.store.transaction() as c:
            c.execute(self.store.sql(f"SELECT position FROM {self.store.position_table} WHERE id = 1"))
            row = c.fetchone()
        return int(_values(row)[0]) if row else 0

    def catch_up(self) -> int:
        """Apply the stored events not yet seen; returns how many were read."""
        read = 0
        with self._lock:
            while True:
                start = self.position() + 1
                notifications = self.application.recorder.select_notifications(start, _BATCH)
                if not notifications:
                    return read
                changes: list[Deadline | ClearDeadline] = []
                for notification in notifications:
                    changes.extend(self.deadlines_of(self.application.mapper.to_domain_event(notification)))
                try:
                    self._apply(changes, notifications[-1].id, start - 1)
                except _PositionMoved:
                    continue  # another replica applied them; read on from its position
                read += len(notifications)

    def _apply(self, changes: Sequence[Deadline | ClearDeadline], position: int, expected: int) -> None:
        sql = self.store.sql
        with self.store.transaction() as c:
            # Compare-and-set on the position: a second replica catching up at the same moment
            # applies nothing twice (its update finds the position moved and it rolls back).
            if expected == 0:
                c.execute(sql(f"SELECT position FROM {self.store.position_table} WHERE id = 1"))
                if c.fetchone() is not None:
                    raise _PositionMoved
                c.execute(sql(f"INSERT INTO {self.store.position_table} (id, position) VALUES (1, ?)"), (position,))
            else:
                c.execute(
                    sql(f"UPDATE {self.store.position_table} SET position = ? WHERE id = 1 AND position = ?"),
                    (position, expected),
                )
                if c.rowcount != 1:
                    raise _PositionMoved
            for change in changes:
                if isinstance(change, ClearDeadline):
                    c.execute(sql(f"DELETE FROM {self.store.table} WHERE key = ?"), (change.key,))
                    continue
                c.execute(sql(f"DELETE FROM {self.store.table} WHERE key = ?"), (change.key,))
                c.execute(
                    sql(f"INSERT INTO {self.store.table} (key, due_at, action, aggregate_id, data, fired_at) "
                        "VALUES (?, ?, ?, ?, ?, NULL)"),
                    (change.key, _epoch(change.due_at), change.action,
                     str(change.aggregate_id) if change.aggregate_id else None,
                     json.dumps(change.data, sort_keys=True, default=str)),
                )

    # -- queries and firing -------------------------------------------------------------------

    def open_deadlines(self) -> list[Deadline]:
        return self._select(f"SELECT key, due_at, action, aggregate_id, data FROM {self.store.table} "
                            "WHERE fired_at IS NULL ORDER BY due_at, key", ())

    def due(self, now: dt.datetime) -> list[Deadline]:
        return self._select(f"SELECT key, due_at, action, aggregate_id, data FROM {self.store.table} "
                            "WHERE fired_at IS NULL AND due_at <= ? ORDER BY due_at, key", (_epoch(now),))

    def _select(self, statement: str, params: tuple[Any, ...]) -> list[Deadline]:
        with self.store.transaction() as c:
            c.execute(self.store.sql(statement), params)
            rows = [_values(r) for r in c.fetchall()]
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
        with self.store.transaction() as c:
            c.execute(
                self.store.sql(f"UPDATE {self.store.table} SET fired_at = ? WHERE key = ? AND due_at = ? "
                               "AND action = ? AND fired_at IS NULL"),
                (_epoch(now), deadline.key, _epoch(deadline.due_at), deadline.action),
            )


class _PositionMoved(Exception):
    """Another process applied the same notifications first."""


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
