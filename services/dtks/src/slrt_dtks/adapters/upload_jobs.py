"""Where upload jobs are kept: a table beside dtks's events (SQLite or PostgreSQL), so every replica
answers for every job, and a job whose process died is seen to have died.

A process that runs jobs writes a heartbeat on them every few seconds (a separate thread: the long
statements of an import, index builds and the diff, report no progress). A job still waiting or
importing whose heartbeat is older than the stale limit belongs to a process that no longer runs
(killed, restarted, its pod gone): it is recorded as failed the first time anyone reads it.
The rows hold no personal data: counts, the file's name, row numbers and reasons of the report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
import uuid
from collections.abc import Sequence
from typing import Any

from slrt_runtime.ownlog import ServiceDatabase, row_values

from .registry import ImportReport

FINISHED = ("done", "refused", "failed")
INTERRUPTED = "the import was interrupted (the service stopped); the previous registry version still serves: " \
              "upload the extract again"
_COLUMNS = ("id", "filename", "size", "state", "rows_total", "rows_read", "received_at", "finished_at", "report",
            "problem", "owner", "heartbeat_at")


class UploadJobTable:
    def __init__(self, db: ServiceDatabase) -> None:
        self.db = db
        self.name = db.qualify("dtks_upload_jobs")
        with db.transaction() as c:
            c.execute(f"CREATE TABLE IF NOT EXISTS {self.name} (id TEXT PRIMARY KEY, filename TEXT NOT NULL, "
                      "size BIGINT NOT NULL, state TEXT NOT NULL, rows_total BIGINT, rows_read BIGINT NOT NULL, "
                      "received_at TEXT NOT NULL, finished_at TEXT, report TEXT, problem TEXT, owner TEXT NOT NULL, "
                      f"heartbeat_at {db.real} NOT NULL)")

    def _run(self, statement: str, params: Sequence[Any] = ()) -> int:
        with self.db.transaction() as c:
            c.execute(self.db.sql(statement), tuple(params))
            return c.rowcount

    def add(self, job: Any, owner: str, keep: int) -> None:
        """Record a new job; forget finished ones beyond the newest ``keep``."""
        self._run(f"INSERT INTO {self.name} ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                  (*self._values(job), owner, time.time()))
        states = ", ".join(f"'{s}'" for s in FINISHED)
        self._run(f"DELETE FROM {self.name} WHERE state IN ({states}) AND id NOT IN (SELECT id FROM {self.name} "
                  f"WHERE state IN ({states}) ORDER BY received_at DESC LIMIT {int(keep)})")

    def save(self, job: Any) -> None:
        """The job's state, progress and outcome (its heartbeat with it)."""
        values = self._values(job)[2:10]
        self._run(f"UPDATE {self.name} SET size = ?, state = ?, rows_total = ?, rows_read = ?, received_at = ?, "
                  "finished_at = ?, report = ?, problem = ?, heartbeat_at = ? WHERE id = ?",
                  (*values, time.time(), str(job.id)))

    def heartbeat(self, job_ids: Sequence[str]) -> None:
        """The jobs this process holds are alive (only those: one whose last write failed stops beating)."""
        if job_ids:
            self._run(f"UPDATE {self.name} SET heartbeat_at = ? WHERE id IN ({', '.join('?' * len(job_ids))})",
                      (time.time(), *job_ids))

    def get(self, job_id: uuid.UUID, stale_seconds: float) -> dict[str, Any] | None:
        """The job as a dict of columns; one found interrupted is recorded as failed first."""
        job = self._select(job_id)
        if job and job["state"] not in FINISHED and float(job["heartbeat_at"]) < time.time() - stale_seconds:
            self._run(f"UPDATE {self.name} SET state = 'failed', problem = ?, finished_at = ? WHERE id = ? "
                      "AND state IN ('waiting', 'importing') AND heartbeat_at = ?",
                      (INTERRUPTED, dt.datetime.now(dt.timezone.utc).isoformat(), str(job_id), job["heartbeat_at"]))
            job = self._select(job_id)
        return job

    def _select(self, job_id: uuid.UUID) -> dict[str, Any] | None:
        with self.db.transaction() as c:
            c.execute(self.db.sql(f"SELECT {', '.join(_COLUMNS)} FROM {self.name} WHERE id = ?"), (str(job_id),))
            row = c.fetchone()
        return dict(zip(_COLUMNS, row_values(row))) if row else None

    def known(self, stale_seconds: float) -> tuple[set[str], set[str]]:
        """The ids of every job recorded, and of those still waiting or importing in a live process."""
        with self.db.transaction() as c:
            c.execute(self.db.sql(f"SELECT id, state, heartbeat_at FROM {self.name}"))
            rows = [row_values(r) for r in c.fetchall()]
        limit = time.time() - stale_seconds
        return ({str(r[0]) for r in rows},
                {str(r[0]) for r in rows if r[1] not in FINISHED and float(r[2]) >= limit})

    @staticmethod
    def _values(job: Any) -> tuple[Any, ...]:
        report = json.dumps(dataclasses.asdict(job.report)) if job.report is not None else None
        return (str(job.id), job.filename, job.size, job.state, job.rows_total, job.rows_read,
                job.received_at.isoformat(), job.finished_at.isoformat() if job.finished_at else None, report,
                job.problem)

    @staticmethod
    def report_of(text: str | None) -> ImportReport | None:
        return ImportReport(**json.loads(text)) if text else None
