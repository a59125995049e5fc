"""Where registry versions live: one adapter interface, SQLite (embedded) and PostgreSQL (production).

Each import writes a *new table* ``dtks_registry_people_<seq>`` (no indexes while loading, which
is what makes a million rows fast), builds its indexes, computes the differences to the active
version, and then switches the one-row pointer ``dtks_registry_active`` in a single transaction.
Readers resolve the pointer and read that table, so they see the old version until the switch and
the new one after, never a mix. A failed or killed import leaves a table nobody points at; the next
import drops it. The tables of the versions active most recently before the current one are kept
(``keep_retired``, one by default): a reader still holding the old pointer never finds its table gone,
and the operator can make such a version active again (:mod:`.rollback`: a bad import rolled back).

With PostgreSQL every replica reads the same tables, which is why a file per replica had to go.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .model import TABLE_COLUMNS

VERSION_TABLE = "dtks_registry_version"
ACTIVE_TABLE = "dtks_registry_active"
CHANGE_TABLE = "dtks_registry_change"
ACTIVATION_TABLE = "dtks_registry_activation"
PEOPLE_PREFIX = "dtks_registry_people_"

_COMPARED = ("registry_id", "family_card", "household_id", "name", "sex", "birth_place", "birth_date", "address",
             "village_code", "welfare_decile", "welfare_rank", "programmes")
"""Columns whose change makes a person "changed" between versions (the match keys follow the name)."""

_INDEXES = (
    ("nik", "UNIQUE", "nik"),
    ("family_card", "", "family_card"),
    ("household", "", "household_id"),
    # The fuzzy search's two blocks; covering (name, village, NIK included), so a search scores its
    # candidates from the index alone and reads whole rows only for the few it returns.
    ("birth_date", "", "birth_date, village_code, name_norm, nik"),
    ("name_key", "", "name_key, birth_year, village_code, birth_date, name_norm, nik"),
    ("registry_id", "", "registry_id"),
)


_VERSION_COLUMNS = ("seq", "version", "status", "loaded_at", "source", "rows", "rejected", "warned", "added",
                    "removed", "changed", "programme_changes", "previous", "activated_at")


class RegistryBackend(ABC):
    """The SQL both databases share; subclasses supply connections, bulk loading and dialect bits."""

    distinct = "IS NOT"  # NULL-safe "differs"
    pointer_ttl = 1.0  # seconds a replica trusts its cached active pointer

    def __init__(self, keep_retired: int = 1) -> None:
        self._active: tuple[int | None, float] = (None, 0.0)
        # Retired versions whose people stay stored (each as big as an extract): the ones an operator
        # can make active again. At least one, for readers still holding the previous pointer.
        self.keep_retired = max(1, keep_retired)

    # -- dialect ---------------------------------------------------------------------------
    @abstractmethod
    def connection(self) -> contextlib.AbstractContextManager[Any]:
        """A connection for reads (autocommit-like)."""

    @abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[Any]:
        """A connection inside one transaction: committed on exit, rolled back on error."""

    @abstractmethod
    def bulk_insert(self, conn: Any, table: str, rows: Iterable[tuple]) -> None: ...

    @abstractmethod
    def table_exists(self, conn: Any, table: str) -> bool: ...

    def sql(self, text: str) -> str:
        return text

    def _lock_imports(self, conn: Any) -> None:
        """Serialise the start of imports across processes (SQLite: BEGIN IMMEDIATE already does)."""

    def close(self) -> None:
        pass

    # -- schema ----------------------------------------------------------------------------
    def create_schema(self) -> None:
        with self.transaction() as conn:
            self._lock_imports(conn)
            for statement in (
                f"""CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (
                    seq INTEGER PRIMARY KEY, version TEXT UNIQUE, status TEXT NOT NULL, loaded_at TEXT NOT NULL,
                    source TEXT NOT NULL, rows INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
                    warned INTEGER NOT NULL DEFAULT 0, added INTEGER NOT NULL DEFAULT 0,
                    removed INTEGER NOT NULL DEFAULT 0, changed INTEGER NOT NULL DEFAULT 0,
                    programme_changes INTEGER NOT NULL DEFAULT 0, previous TEXT, activated_at TEXT)""",
                f"CREATE TABLE IF NOT EXISTS {ACTIVE_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL)",
                f"""CREATE TABLE IF NOT EXISTS {CHANGE_TABLE} (
                    version_seq INTEGER NOT NULL, change TEXT NOT NULL, registry_id TEXT NOT NULL, nik TEXT NOT NULL,
                    village_code TEXT NOT NULL, fields TEXT NOT NULL, programmes_before TEXT NOT NULL,
                    programmes_after TEXT NOT NULL)""",
                f"CREATE INDEX IF NOT EXISTS {CHANGE_TABLE}_seq ON {CHANGE_TABLE} (version_seq, change, registry_id)",
                # Each time an operator made an older version active again: who, when, why (see .rollback).
                f"""CREATE TABLE IF NOT EXISTS {ACTIVATION_TABLE} (
                    n INTEGER PRIMARY KEY, version TEXT NOT NULL, previous TEXT, activated_at TEXT NOT NULL,
                    actor TEXT NOT NULL, reason TEXT NOT NULL, request_key TEXT UNIQUE, added INTEGER NOT NULL,
                    removed INTEGER NOT NULL, changed INTEGER NOT NULL, programme_changes INTEGER NOT NULL)""",
            ):
                conn.execute(statement)

    @staticmethod
    def people_table(seq: int) -> str:
        return f"{PEOPLE_PREFIX}{int(seq)}"

    # -- writing a version -----------------------------------------------------------------
    def begin_version(self, source: str, loaded_at: str) -> int:
        """Reserve the next version number and drop what interrupted imports left behind."""
        with self.transaction() as conn:
            self._lock_imports(conn)
            keep = {self._read_active(conn), *self.kept_retired(conn)}
            for (seq,) in conn.execute(self.sql(f"SELECT seq FROM {VERSION_TABLE} WHERE status = 'loading'")).fetchall():
                conn.execute(self.sql(f"UPDATE {VERSION_TABLE} SET status = 'failed' WHERE seq = ?"), (seq,))
            for (seq,) in conn.execute(self.sql(f"SELECT seq FROM {VERSION_TABLE}")).fetchall():
                if seq not in keep:
                    conn.execute(f"DROP TABLE IF EXISTS {self.people_table(seq)}")
                    # The per-person differences name people: kept only as long as the versions they link.
                    conn.execute(self.sql(f"DELETE FROM {CHANGE_TABLE} WHERE version_seq = ?"), (seq,))
            seq = conn.execute(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {VERSION_TABLE}").fetchone()[0]
            conn.execute(self.sql(f"INSERT INTO {VERSION_TABLE} (seq, status, loaded_at, source) VALUES (?, 'loading', ?, ?)"),
                         (seq, loaded_at, source))
        return seq

    def create_people_table(self, conn: Any, seq: int) -> str:
        table = self.people_table(seq)
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"""CREATE TABLE {table} (
            registry_id TEXT NOT NULL, nik TEXT NOT NULL, family_card TEXT NOT NULL, household_id TEXT NOT NULL,
            name TEXT NOT NULL, sex TEXT NOT NULL, birth_place TEXT NOT NULL, birth_date TEXT NOT NULL,
            address TEXT NOT NULL, village_code TEXT NOT NULL, welfare_decile INTEGER, welfare_rank INTEGER,
            programmes TEXT NOT NULL, name_norm TEXT NOT NULL, name_key TEXT NOT NULL, birth_year INTEGER NOT NULL)""")
        return table

    def index_people_table(self, conn: Any, seq: int) -> None:
        table = self.people_table(seq)
        for name, unique, columns in _INDEXES:
            conn.execute(f"CREATE {unique} INDEX {table}_{name} ON {table} ({columns})")

    def diff(self, conn: Any, seq: int, previous: int) -> dict[str, int]:
        """Store the per-person differences to the previous version; return the summary counts."""
        new, old = self.people_table(seq), self.people_table(previous)
        fields = " || ".join(f"(CASE WHEN n.{c} {self.distinct} o.{c} THEN '{c},' ELSE '' END)" for c in _COMPARED)
        differs = " OR ".join(f"n.{c} {self.distinct} o.{c}" for c in _COMPARED)
        insert = f"INSERT INTO {CHANGE_TABLE} (version_seq, change, registry_id, nik, village_code, fields, programmes_before, programmes_after) "
        conn.execute(self.sql(insert + f"SELECT ?, 'added', n.registry_id, n.nik, n.village_code, '', '', n.programmes "
                              f"FROM {new} n WHERE NOT EXISTS (SELECT 1 FROM {old} o WHERE o.nik = n.nik)"), (seq,))
        conn.execute(self.sql(insert + f"SELECT ?, 'removed', o.registry_id, o.nik, o.village_code, '', o.programmes, '' "
                              f"FROM {old} o WHERE NOT EXISTS (SELECT 1 FROM {new} n WHERE n.nik = o.nik)"), (seq,))
        conn.execute(self.sql(insert + f"SELECT ?, 'changed', n.registry_id, n.nik, n.village_code, {fields}, o.programmes, "
                              f"n.programmes FROM {new} n JOIN {old} o ON o.nik = n.nik WHERE {differs}"), (seq,))
        counts = {"added": 0, "removed": 0, "changed": 0, "programme_changes": 0}
        for change, before, after in conn.execute(self.sql(
                f"SELECT change, programmes_before, programmes_after FROM {CHANGE_TABLE} WHERE version_seq = ?"), (seq,)):
            counts[change] += 1
            if before != after:
                counts["programme_changes"] += len((set(before.split(",")) ^ set(after.split(","))) - {""})
        return counts

    def activate(self, conn: Any, seq: int, version: str, summary: dict[str, Any]) -> None:
        """The switch to a new import: its summary, pointer and statuses in the caller's (last) transaction."""
        conn.execute(self.sql(
            f"UPDATE {VERSION_TABLE} SET version = ?, status = 'active', rows = ?, rejected = ?, warned = ?, added = ?, "
            f"removed = ?, changed = ?, programme_changes = ?, previous = ?, activated_at = ? WHERE seq = ?"),
            (version, summary["rows"], summary["rejected"], summary["warned"], summary["added"], summary["removed"],
             summary["changed"], summary["programme_changes"], summary["previous"], summary["activated_at"], seq))
        self.switch(conn, seq)

    def switch(self, conn: Any, seq: int) -> None:
        """Make ``seq`` the active version (an import's, or an older one made active again): the one
        pointer every reader resolves, and the statuses, in the caller's transaction."""
        previous = self._read_active(conn)
        if previous is not None and previous != seq:
            conn.execute(self.sql(f"UPDATE {VERSION_TABLE} SET status = 'retired' WHERE seq = ?"), (previous,))
        conn.execute(self.sql(f"UPDATE {VERSION_TABLE} SET status = 'active' WHERE seq = ?"), (seq,))
        updated = conn.execute(self.sql(f"UPDATE {ACTIVE_TABLE} SET seq = ? WHERE id = 1"), (seq,)).rowcount
        if not updated:
            conn.execute(self.sql(f"INSERT INTO {ACTIVE_TABLE} (id, seq) VALUES (1, ?)"), (seq,))
        self._active = (None, 0.0)

    def fail_version(self, seq: int) -> None:
        with self.transaction() as conn:
            conn.execute(self.sql(f"UPDATE {VERSION_TABLE} SET status = 'failed' WHERE seq = ?"), (seq,))
            conn.execute(f"DROP TABLE IF EXISTS {self.people_table(seq)}")

    # -- reading ---------------------------------------------------------------------------
    def _read_active(self, conn: Any) -> int | None:
        row = conn.execute(f"SELECT seq FROM {ACTIVE_TABLE} WHERE id = 1").fetchone()
        return row[0] if row else None

    def kept_retired(self, conn: Any) -> list[int]:
        """The retired versions whose tables stay: those active most recently (the latest activation
        time; a version made active again has its new one), so after a rollback the version rolled
        back from is kept too, and the import after it is diffed against the active version."""
        rows = conn.execute(self.sql(f"SELECT seq FROM {VERSION_TABLE} WHERE status = 'retired' "
                                     "ORDER BY COALESCE(activated_at, loaded_at) DESC, seq DESC LIMIT ?"),
                            (self.keep_retired,)).fetchall()
        return [r[0] for r in rows]

    def active_seq(self) -> int | None:
        seq, at = self._active
        now = time.monotonic()
        if seq is None or now - at > self.pointer_ttl:
            with self.connection() as conn:
                seq = self._read_active(conn)
            self._active = (seq, now)
        return seq

    def versions(self, limit: int = 20, *, version: str | None = None, active: bool = False,
                 with_kept: bool = False) -> list[dict[str, Any]]:
        """Versions newest first (or the one named, or the active one); ``kept``: its people are still
        stored, so it can be made active again."""
        where = "status = 'active'" if active else "status IN ('active', 'retired')"
        params: tuple = (limit,)
        if version is not None:
            where, params = f"{where} AND version = ?", (version, limit)
        with self.connection() as conn:
            rows = conn.execute(self.sql(f"SELECT {', '.join(_VERSION_COLUMNS)} FROM {VERSION_TABLE} "
                                         f"WHERE {where} ORDER BY seq DESC LIMIT ?"), params).fetchall()
            found = [dict(zip(_VERSION_COLUMNS, r, strict=True)) for r in rows]
            if with_kept:
                for v in found:
                    v["kept"] = self.table_exists(conn, self.people_table(v["seq"]))
        return found

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Run ``sql`` against the active version's table, written ``{people}`` in the text."""
        seq = self.active_seq()
        if seq is None:
            return []
        try:
            with self.connection() as conn:
                return conn.execute(self.sql(sql.format(people=self.people_table(seq))), params).fetchall()
        except Exception:
            # Another replica may have switched versions twice since we cached the pointer.
            self._active = (None, 0.0)
            fresh = self.active_seq()
            if fresh == seq:
                raise
            with self.connection() as conn:
                return conn.execute(self.sql(sql.format(people=self.people_table(fresh))), params).fetchall()

    def changes(self, seq: int, change: str | None, scope: str, limit: int, offset: int) -> list[tuple]:
        where = "version_seq = ? AND village_code >= ? AND village_code < ?" + (" AND change = ?" if change else "")
        params = (seq, scope, scope + "\uffff", *((change,) if change else ()))
        with self.connection() as conn:
            return conn.execute(self.sql(
                f"SELECT change, registry_id, nik, village_code, fields, programmes_before, programmes_after "
                f"FROM {CHANGE_TABLE} WHERE {where} ORDER BY change, registry_id LIMIT ? OFFSET ?"),
                (*params, limit, offset)).fetchall()


class SqliteBackend(RegistryBackend):
    """A file in WAL mode (readers keep reading the old version while an import writes), one
    connection per thread; or one shared in-memory database for tests."""

    def __init__(self, path: Path | None, keep_retired: int = 1) -> None:
        super().__init__(keep_retired)
        self.path = path
        self._local = threading.local()
        self._lock = threading.RLock()
        self._shared: sqlite3.Connection | None = None
        if path is None:
            self._shared = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
            self.pointer_ttl = 0.0  # one process: nothing to cache against
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self.connection() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
        self.create_schema()

    def _thread_connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-65536")  # 64 MiB per connection: indexes of a big extract
            conn.execute(f"PRAGMA threads={min(4, os.cpu_count() or 1)}")  # index builds sort on several cores
            self._local.conn = conn
        return conn

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        if self._shared is not None:
            with self._lock:
                yield self._shared
        else:
            yield self._thread_connection()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def bulk_insert(self, conn: sqlite3.Connection, table: str, rows: Iterable[tuple]) -> None:
        conn.executemany(f"INSERT INTO {table} ({', '.join(TABLE_COLUMNS)}) VALUES ({', '.join('?' * len(TABLE_COLUMNS))})",
                         rows)

    def table_exists(self, conn: Any, table: str) -> bool:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None

    def close(self) -> None:
        if self._shared is not None:
            self._shared.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


# Connections of the registry's pool per pod (lookups; a COPY import takes one): part of each pod's
# PostgreSQL connection budget (deploy/k8s/base/config.yaml, tests/test_k8s_images.py).
REGISTRY_CONNECTIONS = 2


class PostgresBackend(RegistryBackend):
    """Shared by every replica; COPY for loading, a small connection pool for lookups."""

    distinct = "IS DISTINCT FROM"

    def __init__(self, *, host: str, port: int, user: str, password: str, dbname: str, schema: str = "",
                 pool_size: int = REGISTRY_CONNECTIONS, keep_retired: int = 1) -> None:
        super().__init__(keep_retired)
        import psycopg_pool

        options = f"-c search_path={schema}" if schema else None
        kwargs: dict[str, Any] = {"host": host, "port": port, "user": user, "password": password, "dbname": dbname}
        if options:
            kwargs["options"] = options
        if schema:
            import psycopg

            with psycopg.connect(**{k: v for k, v in kwargs.items() if k != "options"}, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        self.schema = schema
        self._pool = psycopg_pool.ConnectionPool(kwargs=kwargs, min_size=1, max_size=pool_size, open=True, timeout=10)
        self.create_schema()

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        with self._pool.connection() as conn:
            yield conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        with self._pool.connection() as conn, conn.transaction():
            yield conn

    def _lock_imports(self, conn: Any) -> None:
        # Two replicas starting (or importing) at once would race on the same DDL and sequence.
        conn.execute("SELECT pg_advisory_xact_lock(4242001)")

    def bulk_insert(self, conn: Any, table: str, rows: Iterable[tuple]) -> None:
        with conn.cursor().copy(f"COPY {table} ({', '.join(TABLE_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def table_exists(self, conn: Any, table: str) -> bool:
        return conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is not None

    def close(self) -> None:
        self._pool.close()
