"""The registry as the service uses it: import extracts into versions, look people up, match names.

Everything database-specific is in :mod:`.backend`; this module is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from slrt_runtime.settings import Persistence, ServiceSettings

from .backend import PostgresBackend, RegistryBackend, SqliteBackend
from ...domain.matching import Score, name_key, normalise_name, score
from .model import (
    SYNTHETIC_PREFIX,
    TABLE_COLUMNS,
    ImportRejected,
    ImportReport,
    Person,
    RegistryStatus,
    RowRejected,
    RowValidator,
)
from .rollback import activations, reactivate
from .sources import Source, csv_source, open_source

PERSON_COLUMNS = ", ".join(TABLE_COLUMNS[:13])
Progress = Callable[[int], None]
"""Called with the number of data rows read so far (every few thousand rows and at the end)."""

PROGRESS_EVERY = 5000
KEEP_ENV = "SLRT_DTKS_KEEP_VERSIONS"
"""How many retired versions keep their people (and can be made active again); 1 when unset."""


@dataclass(frozen=True)
class Candidate:
    person: Person
    score: Score


def _prefix_range(prefix: str) -> tuple[str, str]:
    """``village_code >= lo AND village_code < hi`` selects codes starting with prefix, using the index."""
    return prefix, prefix + "\uffff"


class RegistryStore:
    """Registry versions behind one :class:`RegistryBackend` (SQLite file or memory, PostgreSQL)."""

    FILE_NAME = "dtks-registry.sqlite"

    def __init__(self, where: Path | RegistryBackend | None = None) -> None:
        if isinstance(where, RegistryBackend):
            self.backend = where
            self.path = getattr(where, "path", None)
        else:
            self.backend = SqliteBackend(where)
            self.path = where

    @classmethod
    def for_settings(cls, settings: ServiceSettings) -> RegistryStore:
        keep = int(os.environ.get(KEEP_ENV) or 1)
        if settings.persistence is Persistence.MEMORY:
            return cls(SqliteBackend(None, keep))
        if settings.persistence is Persistence.POSTGRES:
            return cls(PostgresBackend(
                host=settings.postgres_host, port=settings.postgres_port, user=settings.postgres_user,
                password=settings.postgres_password.get_secret_value(), dbname=settings.postgres_dbname,
                schema=settings.postgres_schema, keep_retired=keep))
        return cls(SqliteBackend(settings.data_dir / cls.FILE_NAME, keep))

    def close(self) -> None:
        self.backend.close()

    # -- importing ---------------------------------------------------------------------------
    def load_csv(self, path: Path | str, progress: Progress | None = None, *,
                 progress_every: int = PROGRESS_EVERY) -> ImportReport:
        """Import a CSV or XLSX extract (by its suffix)."""
        with open_source(Path(path)) as source:
            return self.load_source(source, progress, progress_every=progress_every)

    def load_stream(self, stream: TextIO | Iterable[str], *, source: str, progress: Progress | None = None) -> ImportReport:
        return self.load_source(csv_source(stream, source), progress)

    def load_source(self, source: Source, progress: Progress | None = None, *,
                    progress_every: int = PROGRESS_EVERY) -> ImportReport:
        """Stream the rows into a new registry version and switch to it, all or nothing.

        Bad rows are refused and reported (row number + reason, never a value); a file without a
        single valid row, a broken header, an I/O error or a killed process leave the previous
        version serving.
        """
        validator = RowValidator(source.header)
        report = ImportReport(version="", source=source.name)
        loaded_at = dt.datetime.now(dt.timezone.utc)
        backend = self.backend

        def valid_rows() -> Iterator[tuple]:
            done = 0
            for line, row in source.rows:
                done += 1
                if progress is not None and done % progress_every == 0:
                    progress(done)
                try:
                    values, warnings = validator.validate(row)
                except RowRejected as e:
                    report.reject(line, str(e))
                    continue
                if warnings:
                    report.warn(line, warnings)
                report.rows_loaded += 1
                yield values
            if progress is not None:
                progress(done)

        seq = backend.begin_version(source.name, loaded_at.isoformat())
        try:
            with backend.transaction() as conn:
                table = backend.create_people_table(conn, seq)
                backend.bulk_insert(conn, table, _in_background(valid_rows()))
                if report.rows_loaded == 0:
                    first = (f"; first: row {report.rejections[0]['row']}: {report.rejections[0]['reason']}"
                             if report.rejections else "")
                    raise ImportRejected(f"no valid rows ({report.rows_rejected} rejected{first}); "
                                         "the registry is unchanged")
                backend.index_people_table(conn, seq)
            with backend.transaction() as conn:
                backend._lock_imports(conn)  # one switch at a time (an operator may be rolling back)
                previous = backend._read_active(conn)
                if previous is None:
                    counts = {"added": report.rows_loaded, "removed": 0, "changed": 0, "programme_changes": 0}
                else:
                    counts = backend.diff(conn, seq, previous)
                    row = conn.execute(backend.sql("SELECT version FROM dtks_registry_version WHERE seq = ?"),
                                       (previous,)).fetchone()
                    report.previous_version = row[0]
                # Readable order plus the content hash: the same file loaded twice is recognisable.
                report.version = f"{loaded_at:%Y%m%d}-{seq}-{source.digest()[:12]}"
                report.added, report.removed = counts["added"], counts["removed"]
                report.changed, report.programme_changes = counts["changed"], counts["programme_changes"]
                backend.activate(conn, seq, report.version, {
                    **counts, "rows": report.rows_loaded, "rejected": report.rows_rejected,
                    "warned": report.rows_warned, "previous": report.previous_version,
                    "activated_at": dt.datetime.now(dt.timezone.utc).isoformat()})
        except BaseException:
            try:
                backend.fail_version(seq)
            except Exception:  # noqa: BLE001 - the original error is the one to report
                pass
            raise
        return report

    # -- versions ----------------------------------------------------------------------------
    def status(self) -> RegistryStatus:
        # The active version, which after a rollback is not the newest one.
        versions = self.backend.versions(limit=1, active=True)
        if not versions:
            return RegistryStatus(version=None, rows=0, loaded_at=None, source=None)
        v = versions[0]
        return RegistryStatus(version=v["version"], rows=v["rows"], loaded_at=dt.datetime.fromisoformat(v["loaded_at"]),
                              source=v["source"])

    def current_version(self) -> str | None:
        return self.status().version

    def is_empty(self) -> bool:
        return self.status().rows == 0

    def versions(self, limit: int = 20) -> list[dict[str, Any]]:
        """Newest first, each with ``kept``: whether it can be made active again."""
        return self.backend.versions(limit, with_kept=True)

    def version(self, version: str) -> dict[str, Any] | None:
        found = self.backend.versions(1, version=version)
        return found[0] if found else None

    def reactivate(self, version: str, *, actor: dict[str, Any], reason: str,
                   request_key: str | None = None) -> dict[str, Any]:
        """Make an older, still kept version active again (see :mod:`.rollback`); the activation."""
        return reactivate(self.backend, version, actor=actor, reason=reason, request_key=request_key)

    def activations(self, limit: int = 50, *, request_key: str | None = None) -> list[dict[str, Any]]:
        """Versions operators made active again, newest first: who, when, from which, why."""
        return activations(self.backend, limit=limit, request_key=request_key)

    def changes(self, version: str, change: str | None = None, *, scope: str = "", limit: int = 100,
                offset: int = 0) -> list[dict[str, Any]]:
        """The per-person differences a version brought (staff only: they name people)."""
        v = self.version(version)
        if v is None:
            return []
        rows = self.backend.changes(v["seq"], change, scope, limit, offset)
        return [dict(zip(("change", "registry_id", "nik", "village_code", "fields", "programmes_before",
                          "programmes_after"), r, strict=True)) for r in rows]

    # -- lookups -----------------------------------------------------------------------------
    def find_by_nik(self, nik: str) -> Person | None:
        rows = self.backend.query(f"SELECT {PERSON_COLUMNS} FROM {{people}} WHERE nik = ?", (nik,))
        return Person.from_row(rows[0]) if rows else None

    def household(self, *, family_card: str | None = None, household_id: str | None = None) -> list[Person]:
        column, value = ("family_card", family_card) if family_card else ("household_id", household_id)
        rows = self.backend.query(f"SELECT {PERSON_COLUMNS} FROM {{people}} WHERE {column} = ? ORDER BY registry_id",
                                  (value,))
        return [Person.from_row(r) for r in rows]

    def fuzzy(self, name: str, birth_date: dt.date, *, region: str | None = None, scope: str = "",
              limit: int = 10) -> list[Candidate]:
        """Ranked candidates for a name + birth date (+ region hint) within the ``scope`` region."""
        norm = normalise_name(name)
        key = name_key(norm)
        lo, hi = _prefix_range(scope)
        # Blocking: the same birth date (any spelling), or the same name key around the birth year.
        block = self.backend.query(
            "SELECT nik, name_norm, birth_date, village_code FROM {people} WHERE birth_date = ? AND village_code >= ? "
            "AND village_code < ? UNION SELECT nik, name_norm, birth_date, village_code FROM {people} "
            "WHERE name_key = ? AND birth_year BETWEEN ? AND ? AND village_code >= ? AND village_code < ?",
            (birth_date.isoformat(), lo, hi, key, birth_date.year - 1, birth_date.year + 1, lo, hi))
        scored = sorted(((score(norm, birth_date, region, candidate_name, dt.date.fromisoformat(str(born)), village), nik)
                         for nik, candidate_name, born, village in block), key=lambda t: -t[0].total)[:limit]
        if not scored:
            return []
        rows = self.backend.query(f"SELECT {PERSON_COLUMNS} FROM {{people}} WHERE nik IN ({', '.join('?' * len(scored))})",
                                  tuple(nik for _, nik in scored))
        people = {row[1]: Person.from_row(row) for row in rows}
        return [Candidate(people[nik], s) for s, nik in scored if nik in people]

    def search(self, *, scope: str = "", nik: str | None = None, family_card: str | None = None,
               registry_id: str | None = None, name: str | None = None, birth_date: dt.date | None = None,
               sex: str | None = None, programmes: tuple[str, ...] = (), max_decile: int | None = None,
               decile: int | None = None,
               limit: int = 20, offset: int = 0) -> tuple[list[Person], int]:
        """Attribute search (DCI style): all given conditions, paged, in registry-id order; (page, total)."""
        lo, hi = _prefix_range(scope)
        where, params = ["village_code >= ?", "village_code < ?"], [lo, hi]
        for column, value in (("nik", nik), ("family_card", family_card), ("registry_id", registry_id),
                              ("sex", sex)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if name:
            where.append("name_norm = ?")
            params.append(normalise_name(name))
        if birth_date:
            where.append("birth_date = ?")
            params.append(birth_date.isoformat())
        for programme in programmes:  # all of them: ("PBI-JK", "PBI-Daerah") lists double registrations
            where.append("(',' || programmes || ',') LIKE ?")
            params.append(f"%,{programme},%")
        if max_decile:
            where.append("welfare_decile <= ?")
            params.append(max_decile)
        if decile:
            where.append("welfare_decile = ?")
            params.append(decile)
        condition = " AND ".join(where)
        total = self.backend.query(f"SELECT COUNT(*) FROM {{people}} WHERE {condition}", tuple(params))
        rows = self.backend.query(f"SELECT {PERSON_COLUMNS} FROM {{people}} WHERE {condition} "
                                  "ORDER BY registry_id LIMIT ? OFFSET ?", (*params, limit, offset))
        return [Person.from_row(r) for r in rows], (total[0][0] if total else 0)

    def synthetic_sample(self, limit: int = 5, scope: str = "") -> list[Person]:
        """Generated people only (registry id prefix), so a real extract is never exposed as a demo."""
        lo, hi = _prefix_range(scope)
        rows = self.backend.query(
            f"SELECT {PERSON_COLUMNS} FROM {{people}} WHERE registry_id >= ? AND registry_id < ? "
            "AND village_code >= ? AND village_code < ? ORDER BY registry_id LIMIT ?",
            (SYNTHETIC_PREFIX, SYNTHETIC_PREFIX[:-1] + chr(ord(SYNTHETIC_PREFIX[-1]) + 1), lo, hi, limit))
        return [Person.from_row(r) for r in rows]


_DONE = object()


def _in_background(rows: Iterator[tuple], batch: int = 2000) -> Iterator[tuple]:
    """Read and validate in a second thread while the database writes: the database releases the
    interpreter lock while it stores a row, so on two cores parsing and storing overlap."""
    handoff: queue.Queue[Any] = queue.Queue(maxsize=16)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            chunk: list[tuple] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) == batch:
                    if not put(chunk):
                        return
                    chunk = []
            put(chunk)
            put(_DONE)
        except BaseException as e:  # noqa: BLE001 - handed to the consuming thread, which raises it
            put(e)

    worker = threading.Thread(target=produce, name="registry-import-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stop.set()  # the consumer failed or finished: let the reader end instead of waiting forever
        worker.join(timeout=5)


__all__ = ["Candidate", "ImportRejected", "RegistryStore"]
