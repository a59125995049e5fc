"""Scans and signed letters in the service's own PostgreSQL schema (a ``bytea`` table).

On Kubernetes the letters service runs as several replicas whose local disks are neither shared
nor kept across restarts: a scan uploaded through one pod must be readable through the other, and
the signed original must outlive every pod. The database already holds the events that name these
files and is what the district backs up, so the files live there too.

Write-once: a reference is the letter, the checklist code and the content's hash; storing the same
reference again is a no-op when the content is the same and refused when it is not. Every read
checks the content against the SHA-256 recorded with it. The BPJS batch files the service makes
itself live here too (rewritten while their batch is being closed, like the files they replace).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from slrt_runtime.ownlog import ServiceDatabase, row_values

from .files import StoredFileDamaged, StoredFileMissing, WriteOnceStore

if TYPE_CHECKING:
    from slrt_runtime.eventstore import ServiceApplication

TABLE = "letters_files"


class DatabaseFileStore(WriteOnceStore):
    def __init__(self, application: ServiceApplication, max_bytes: int) -> None:
        super().__init__(max_bytes)
        self.db = ServiceDatabase.of(application)
        self.table = self.db.qualify(TABLE)
        blob = "BYTEA" if self.db.kind == "postgres" else "BLOB"
        with self.db.transaction() as c:
            c.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (reference TEXT PRIMARY KEY, sha256 TEXT NOT NULL, "
                      f"content_type TEXT NOT NULL, size BIGINT NOT NULL, content {blob} NOT NULL)")

    def _write_once(self, reference: str, digest: str, content_type: str, data: bytes) -> None:
        sql = self.db.sql
        with self.db.transaction() as c:
            c.execute(sql(f"INSERT INTO {self.table} (reference, sha256, content_type, size, content) "
                          "VALUES (?, ?, ?, ?, ?) ON CONFLICT (reference) DO NOTHING"),
                      (reference, digest, content_type, len(data), data))
            if c.rowcount == 1:
                return
            c.execute(sql(f"SELECT sha256 FROM {self.table} WHERE reference = ?"), (reference,))
            (stored,) = row_values(c.fetchone())
        if stored != digest:  # twelve hex digits of the hash alike, the rest not: never overwrite
            raise StoredFileDamaged(f"{reference} is already stored with other content")

    def _replace(self, reference: str, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        with self.db.transaction() as c:
            c.execute(self.db.sql(
                f"INSERT INTO {self.table} (reference, sha256, content_type, size, content) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (reference) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, "
                "content = excluded.content"), (reference, digest, "application/octet-stream", len(data), data))

    def _read(self, reference: str) -> tuple[bytes, str | None]:
        with self.db.transaction() as c:
            c.execute(self.db.sql(f"SELECT content, sha256 FROM {self.table} WHERE reference = ?"), (reference,))
            row = c.fetchone()
        if row is None:
            raise StoredFileMissing(f"no stored file {reference}")
        content, digest = row_values(row)
        return bytes(content), str(digest)
