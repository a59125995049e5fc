"""Generations of the read models: a rebuild fills a fresh database, then the pointer is swapped.

SQLite: one file per generation (``monitoring_rm<N>.sqlite``) and a pointer file beside them.
PostgreSQL: one schema per generation (``<base>_rm<N>``) and a one-row pointer table in ``<base>``.
"""

from __future__ import annotations

from slrt_runtime.settings import Persistence, ServiceSettings

from .store import PostgresStore, ReadStore, SQLiteStore

FIRST = 1


class Generations:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
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

    def open(self, n: int) -> ReadStore:
        if self.postgres:
            conninfo = {k: v for k, v in self.conninfo.items() if k != "autocommit"}
            return PostgresStore(conninfo, f"{self.base}_rm{n}")
        return SQLiteStore(self.settings.data_dir / f"monitoring_rm{n}.sqlite")

    def set_current(self, n: int) -> None:
        if self.postgres:
            import psycopg

            with psycopg.connect(**self.conninfo) as conn, conn.transaction():
                conn.execute(f'DELETE FROM "{self.base}".generation')
                conn.execute(f'INSERT INTO "{self.base}".generation VALUES (%s)', (n,))
            return
        tmp = self.pointer.with_suffix(".tmp")
        tmp.write_text(str(n))
        tmp.replace(self.pointer)  # atomic rename: a crash leaves the old or the new pointer


def open_current(settings: ServiceSettings) -> tuple[Generations, int, ReadStore]:
    generations = Generations(settings)
    n = generations.current()
    return generations, n, generations.open(n)
