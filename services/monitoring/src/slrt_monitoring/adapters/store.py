"""Where the read models live: one small interface over SQLite (embedded) and PostgreSQL (production).

Every table of the read models and the tracking table (the upstream notifications already applied)
sit in one database, so the effects of a batch of events and its tracking rows commit together:
exactly-once without two-phase anything. SQL is written once with ``?`` placeholders and ``{p}``
before table names (the PostgreSQL schema of the generation, see :mod:`.generations`).
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TABLES = ("tracking", "entities", "counts", "counts_sub", "timeline", "receipts", "open_complaints")

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS {p}tracking (upstream TEXT NOT NULL, notification_id BIGINT NOT NULL,"
    " PRIMARY KEY (upstream, notification_id)){wr}",
    # The derived state of each entity (complaint, referral, letter, household...), as JSON.
    "CREATE TABLE IF NOT EXISTS {p}entities (kind TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL,"
    " PRIMARY KEY (kind, id)){wr}",
    # Pre-aggregated counters: what every dashboard query reads (fast at a million complaints), per
    # village (or the most precise region an event names) and month, and rolled up to sub-districts.
    # Keyed by region first, so that a region filter is an index range.
    "CREATE TABLE IF NOT EXISTS {p}counts (region TEXT{c} NOT NULL, period TEXT NOT NULL, metric TEXT NOT NULL,"
    " k TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (region, period, metric, k)){wr}",
    "CREATE TABLE IF NOT EXISTS {p}counts_sub (region TEXT{c} NOT NULL, period TEXT NOT NULL, metric TEXT NOT NULL,"
    " k TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (region, period, metric, k)){wr}",
    # One index only (the key): a complaint's few steps are sorted when read.
    "CREATE TABLE IF NOT EXISTS {p}timeline (complaint_id TEXT NOT NULL, event_id TEXT NOT NULL,"
    " at TEXT NOT NULL, event_type TEXT NOT NULL, label TEXT NOT NULL, PRIMARY KEY (complaint_id, event_id)){wr}",
    "CREATE TABLE IF NOT EXISTS {p}receipts (receipt_number TEXT PRIMARY KEY, complaint_id TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}open_complaints (complaint_id TEXT PRIMARY KEY, receipt_number TEXT,"
    " region TEXT NOT NULL, status TEXT NOT NULL, level TEXT NOT NULL, registered_at TEXT NOT NULL)",
    # The change log the replicas' live updates poll (not part of what a rebuild must reproduce).
    "CREATE TABLE IF NOT EXISTS {p}changes (seq BIGINT PRIMARY KEY, events BIGINT NOT NULL, names TEXT NOT NULL,"
    " regions TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS open_by_age ON {p}open_complaints (registered_at)",
]


def _rewrite(sql: str, prefix: str, pg: bool) -> str:
    # Region codes compare byte by byte (digits), whatever the database's locale.
    sql = sql.replace("{p}", prefix).replace("{c}", ' COLLATE "C"' if pg else "")
    sql = sql.replace("{wr}", "" if pg else " WITHOUT ROWID")
    return sql.replace("?", "%s") if pg else sql


_REWRITTEN: dict[tuple[str, str, bool], str] = {}
"""Statements are program text (IN lists vary by length only, up to the projector's CHUNK): a few hundred."""


class Cursor:
    """The few cursor operations the read models use, with one placeholder style."""

    def __init__(self, raw: Any, prefix: str, pg: bool) -> None:
        self.raw, self.prefix, self.pg = raw, prefix, pg

    def _sql(self, sql: str) -> str:
        # The same few statements run for every batch: rewrite each once per (prefix, dialect).
        key = (sql, self.prefix, self.pg)
        rewritten = _REWRITTEN.get(key)
        if rewritten is None:
            if len(_REWRITTEN) >= 10_000:  # a caller that puts values into its SQL text: stay bounded
                _REWRITTEN.clear()
            rewritten = _REWRITTEN[key] = _rewrite(sql, self.prefix, self.pg)
        return rewritten

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self.raw.execute(self._sql(sql), tuple(params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.raw.executemany(self._sql(sql), [tuple(r) for r in rows])

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.raw.fetchall()]

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self.raw.fetchone()
        return None if row is None else tuple(row)


class ReadStore(ABC):
    """A read-model database. Writes are serialised by the caller (one projector per process)."""

    dialect: str

    @abstractmethod
    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Cursor]: ...

    @abstractmethod
    def drop(self) -> None:
        """Delete this database (an old generation after a rebuild was swapped in)."""

    def close(self) -> None:  # noqa: B027 - optional
        pass

    @abstractmethod
    def spec(self, *, bulk: bool = False) -> tuple[Any, ...]:
        """How another process opens this same database (see :func:`open_spec`)."""

    def create(self) -> None:
        with self.transaction(commit=True) as c:
            for statement in SCHEMA:
                c.execute(statement)

    def max_tracking_id(self, upstream: str) -> int | None:
        with self.transaction(commit=False) as c:
            row = c.execute("SELECT MAX(notification_id) FROM {p}tracking WHERE upstream=?", (upstream,)).fetchone()
        return None if row is None else row[0]

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, sorted: what 'the same read models' means in tests."""
        with self.transaction(commit=False) as c:
            return {t: sorted(c.execute(f"SELECT * FROM {{p}}{t}").fetchall(), key=repr) for t in TABLES}


class SQLiteStore(ReadStore):
    dialect = "sqlite"

    def __init__(self, path: Path, *, bulk: bool = False) -> None:
        self.path = path
        # A rebuild fills a generation nobody reads yet: if it crashes it starts again from the
        # streams, so it may skip the fsyncs. Exactly-once is per transaction either way.
        self.bulk = bulk
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.create()
        if bulk:  # the queue's age index is built once at the end (create() again), not row by row
            with self.transaction(commit=True) as c:
                c.execute("DROP INDEX IF EXISTS open_by_age")

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            # Live: an acknowledged event is on disk with its tracking row.
            conn.execute("PRAGMA synchronous=OFF" if self.bulk else "PRAGMA synchronous=FULL")
            conn.execute("PRAGMA cache_size=-131072")  # 128 MiB: the entity and counter indexes stay in memory
            # Pages read through a memory map instead of a read() into the page cache each: once the read
            # model outgrows the cache (a million events), the writer's index lookups cost a third less
            # (1M-event live catch-up: 46-47 % -> 51-53 % of raw consume). Writes still go through the WAL.
            conn.execute("PRAGMA mmap_size=4294967296")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Cursor]:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE" if commit else "BEGIN")
        try:
            yield Cursor(conn.cursor(), "", pg=False)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT" if commit else "ROLLBACK")

    def spec(self, *, bulk: bool = False) -> tuple[Any, ...]:
        return ("sqlite", str(self.path), bulk)

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def drop(self) -> None:
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


# Connections of the read models' pool per pod: part of each pod's PostgreSQL connection budget
# (deploy/k8s/base/config.yaml, tests/test_k8s_images.py); a rebuild holds a second generation's pool.
READ_MODEL_CONNECTIONS = 2


class PostgresStore(ReadStore):
    dialect = "postgres"

    def __init__(self, conninfo: dict[str, Any], schema: str) -> None:
        from psycopg_pool import ConnectionPool

        self.schema, self.conninfo = schema, conninfo
        self.pool = ConnectionPool(kwargs=conninfo, min_size=1, max_size=READ_MODEL_CONNECTIONS, open=True,
                                   timeout=10)
        with self.pool.connection() as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        self.create()

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Cursor]:
        with self.pool.connection() as conn, conn.transaction(force_rollback=not commit):
            yield Cursor(conn.cursor(), f'"{self.schema}".', pg=True)

    def spec(self, *, bulk: bool = False) -> tuple[Any, ...]:
        return ("postgres", self.conninfo, self.schema)

    def close(self) -> None:
        self.pool.close()

    def drop(self) -> None:
        with self.pool.connection() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        self.close()


def open_spec(spec: tuple[Any, ...]) -> ReadStore:
    if spec[0] == "sqlite":
        return SQLiteStore(Path(spec[1]), bulk=spec[2])
    return PostgresStore(spec[1], spec[2])
