"""Tables derived from a service's own event log, kept in the service's own database.

For what a service needs to query across its aggregates (open deadlines, work queues): a
projection that reads the application's notification log after its recorded position and writes
its rows and the new position in one transaction. The position is compare-and-set, so two
replicas catching up at the same moment never apply a notification twice, and after a crash the
projection simply continues. Works on the three persistence modules (SQLite, PostgreSQL, and the
in-memory one used in tests, which gets an in-memory SQLite database of its own).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.persistence import Notification, ProcessRecorder
from eventsourcing.popo import POPOProcessRecorder
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder

from .eventstore import ServiceApplication

BATCH = 500


def row_values(row: Any) -> tuple[Any, ...]:
    """A row as a tuple, whether the driver returns tuples (sqlite3) or dicts (psycopg)."""
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


class ServiceDatabase:
    """The application's own database, for tables beside its events."""

    def __init__(self, recorder: ProcessRecorder, schema: str = "") -> None:
        self.recorder, self.schema = recorder, schema
        if isinstance(recorder, SQLiteProcessRecorder):
            self.kind = "sqlite"
        elif isinstance(recorder, PostgresProcessRecorder):
            self.kind = "postgres"
        elif isinstance(recorder, POPOProcessRecorder):
            self.kind = "memory"
            self._memory = sqlite3.connect(":memory:", check_same_thread=False)
            self._memory_lock = threading.Lock()
        else:
            raise NotImplementedError(f"tables beside {type(recorder).__name__}")
        self.real = "DOUBLE PRECISION" if self.kind == "postgres" else "REAL"

    @classmethod
    def of(cls, application: ServiceApplication) -> ServiceDatabase:
        settings = application.settings
        return cls(application.recorder, settings.postgres_schema if settings.persistence == "postgres" else "")

    def qualify(self, table: str) -> str:
        return f"{self.schema}.{table}" if self.schema else table

    def tables_starting(self, prefix: str) -> list[str]:
        """Names (unqualified) of this database's tables whose name starts with ``prefix``."""
        with self.transaction() as c:
            if self.kind == "postgres":
                c.execute("SELECT table_name FROM information_schema.tables "
                          "WHERE table_schema = COALESCE(NULLIF(%s, ''), current_schema())", (self.schema,))
            else:
                c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            names = [str(row_values(r)[0]) for r in c.fetchall()]
        return sorted(n for n in names if n.startswith(prefix))

    def sql(self, statement: str) -> str:
        """Statements are written with ``?`` placeholders; PostgreSQL gets ``%s``."""
        return statement.replace("?", "%s") if self.kind == "postgres" else statement

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A DB-API cursor in one transaction: committed on success, rolled back on error."""
        if self.kind == "memory":
            with self._memory_lock:
                cursor = self._memory.cursor()
                try:
                    yield cursor
                except BaseException:
                    self._memory.rollback()
                    raise
                self._memory.commit()
            return
        with self.recorder.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
            # eventsourcing's SQLite wrapper hides rowcount, which the compare-and-set needs.
            yield getattr(cursor, "sqlite_cursor", cursor)


class _PositionMoved(Exception):
    """Another process applied the same notifications first."""


class OwnLogProjection:
    """Subclass and implement :meth:`create_tables` and :meth:`apply`."""

    def __init__(self, application: ServiceApplication, name: str) -> None:
        self.application = application
        self.db = ServiceDatabase.of(application)
        self.name = f"{application.name.lower()}_{name}"
        self.position_table = self.db.qualify(f"{self.name}_position")
        self._lock = threading.Lock()  # one catch-up at a time per process; the DB keeps replicas apart
        with self.db.transaction() as c:
            c.execute(f"CREATE TABLE IF NOT EXISTS {self.position_table} (id INTEGER PRIMARY KEY, "
                      "position BIGINT NOT NULL)")
            self.create_tables(c)

    def table(self, suffix: str = "") -> str:
        return self.db.qualify(f"{self.name}{suffix}")

    def create_tables(self, cursor: Any) -> None:
        raise NotImplementedError

    def apply(self, cursor: Any, notifications: Sequence[Notification]) -> None:
        """Write the effects of ``notifications`` with ``cursor`` (same transaction as the position)."""
        raise NotImplementedError

    def replace_row(self, cursor: Any, table: str, columns: Sequence[str], row: Sequence[Any]) -> None:
        """Write one aggregate's current row (keyed by the first column) whatever was there: applying
        the same notification twice writes the same row."""
        sql = self.db.sql
        cursor.execute(sql(f"DELETE FROM {table} WHERE {columns[0]} = ?"), (row[0],))
        cursor.execute(sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"),
                       tuple(row))

    def position(self) -> int:
        with self.db.transaction() as c:
            c.execute(self.db.sql(f"SELECT position FROM {self.position_table} WHERE id = 1"))
            row = c.fetchone()
        return int(row_values(row)[0]) if row else 0

    def catch_up(self) -> int:
        """Apply the stored events not yet seen; returns how many notifications were read."""
        read = 0
        with self._lock:
            while True:
                expected = self.position()
                notifications = self.application.recorder.select_notifications(expected + 1, BATCH)
                if not notifications:
                    return read
                try:
                    self._apply(notifications, expected)
                except (_PositionMoved, sqlite3.IntegrityError, psycopg.errors.UniqueViolation):
                    continue  # another replica applied them; read on from its position
                read += len(notifications)

    def _apply(self, notifications: Sequence[Notification], expected: int) -> None:
        sql = self.db.sql
        position = notifications[-1].id
        with self.db.transaction() as c:
            if expected == 0:
                c.execute(sql(f"SELECT position FROM {self.position_table} WHERE id = 1"))
                if c.fetchone() is not None:
                    raise _PositionMoved
                c.execute(sql(f"INSERT INTO {self.position_table} (id, position) VALUES (1, ?)"), (position,))
            else:
                c.execute(sql(f"UPDATE {self.position_table} SET position = ? WHERE id = 1 AND position = ?"),
                          (position, expected))
                if c.rowcount != 1:
                    raise _PositionMoved
            self.apply(c, notifications)
