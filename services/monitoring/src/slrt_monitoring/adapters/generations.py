"""Generations of the read models: a rebuild fills a fresh database, then the pointer is swapped.

SQLite: one file per generation (``monitoring_rm<N>.sqlite``) and a pointer file beside them.
PostgreSQL: one schema per generation (``<base>_rm<N>``) and a one-row pointer table in ``<base>``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from slrt_runtime.settings import Persistence, ServiceSettings

from .store import Cursor, PostgresStore, ReadStore, SQLiteStore

FIRST = 1


class GenerationMoved(Exception):
    """A write was about to go into a generation another replica has already swapped out."""


class Generations:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._lock_conn: Any = None  # the connection holding exclusive()'s lock
        if settings.persistence is Persistence.POSTGRES:
            self.base = settings.postgres_schema or "monitoring"
            self.conninfo = {
                "host": settings.postgres_host, "port": settings.postgres_port, "user": settings.postgres_user,
                "password": settings.postgres_password.get_secret_value(), "dbname": settings.postgres_dbname,
                "autocommit": True,
            }
        elif settings.persistence is Persistence.SQLITE:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            self.pointer = settings.data_dir / "monitoring.generation"
        else:
            raise ValueError("monitoring read models need a database: SLRT_PERSISTENCE=sqlite or postgres")

    @property
    def postgres(self) -> bool:
        return self.settings.persistence is Persistence.POSTGRES

    def current(self) -> int:
        if self.postgres:
            import psycopg

            with psycopg.connect(**self.conninfo) as conn:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.base}"')
                conn.execute(f'CREATE TABLE IF NOT EXISTS "{self.base}".generation (n INTEGER NOT NULL)')
                row = conn.execute(f'SELECT n FROM "{self.base}".generation').fetchone()
                return row[0] if row else FIRST
        return int(self.pointer.read_text()) if self.pointer.exists() else FIRST

    def read_pointer(self, store: ReadStore) -> int:
        """The current generation, cheaply (PostgreSQL: over the open store's pool; SQLite: a small file)."""
        if self.postgres:
            with store.transaction(commit=False) as c:
                row = c.execute(f'SELECT n FROM "{self.base}".generation').fetchone()
            return row[0] if row else FIRST
        try:
            return int(self.pointer.read_text())
        except (FileNotFoundError, ValueError):
            return FIRST

    def guard(self, n: int) -> Callable[[Cursor], None] | None:
        """For live writes: see :func:`guard` (SQLite: none, one process writes a read model under its
        projector's lock)."""
        return guard(self.base, n) if self.postgres else None

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold every replica's live writes (PostgreSQL) for a rebuild's last stretch and its swap."""
        if not self.postgres:
            yield
            return
        import psycopg

        with psycopg.connect(**self.conninfo) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.base,))
            self._lock_conn = conn
            try:
                yield
            finally:
                self._lock_conn = None

    def drop_before(self, n: int) -> None:
        """Drop generations older than n. The one just replaced is kept until the next rebuild, since
        other replicas may still be reading it until they see the new pointer."""
        if self.postgres:
            import psycopg

            with psycopg.connect(**self.conninfo) as conn:
                rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                                    (f"{self.base}_rm%",)).fetchall()
                for (schema,) in rows:
                    suffix = schema[len(self.base) + 3:]
                    if suffix.isdigit() and int(suffix) < n:
                        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            return
        for path in self.settings.data_dir.glob("monitoring_rm*.sqlite*"):
            digits = path.name.removeprefix("monitoring_rm").split(".")[0]
            if digits.isdigit() and int(digits) < n:
                path.unlink(missing_ok=True)

    def open(self, n: int) -> ReadStore:
        if self.postgres:
            conninfo = {k: v for k, v in self.conninfo.items() if k != "autocommit"}
            return PostgresStore(conninfo, f"{self.base}_rm{n}")
        return SQLiteStore(self.settings.data_dir / f"monitoring_rm{n}.sqlite")

    def set_current(self, n: int) -> None:
        if self.postgres:
            import psycopg

            held = self._lock_conn  # inside exclusive(): commits with the writers' lock, when it is released
            with (psycopg.connect(**self.conninfo) if held is None else nullcontext(held)) as conn, conn.transaction():
                conn.execute(f'DELETE FROM "{self.base}".generation')
                conn.execute(f'INSERT INTO "{self.base}".generation VALUES (%s)', (n,))
            return
        tmp = self.pointer.with_suffix(".tmp")
        tmp.write_text(str(n))
        tmp.replace(self.pointer)  # atomic rename: a crash leaves the old or the new pointer


def guard(base: str, n: int) -> Callable[[Cursor], None]:
    """For live writes on PostgreSQL: inside the write's transaction, take the district's writer lock
    and check that generation n is still current. Replicas' writers take turns (entity
    read-modify-write must not interleave across pods), and a swap (which takes the same lock) can
    never be followed by a write into the old generation."""

    def check(c: Cursor) -> None:
        c.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (base,))
        row = c.execute(f'SELECT n FROM "{base}".generation').fetchone()
        if (row[0] if row else FIRST) != n:
            raise GenerationMoved(n)

    return check


def open_current(settings: ServiceSettings) -> tuple[Generations, int, ReadStore]:
    generations = Generations(settings)
    n = generations.current()
    return generations, n, generations.open(n)
