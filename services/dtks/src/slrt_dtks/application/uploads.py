"""Registry extracts uploaded through the API, imported in the background with their progress.

A district's extract is tens of megabytes and its import takes minutes: the operator's browser
sends the file, gets a job at once (202) and asks for the job's progress while the import runs,
instead of holding one request open until a proxy cuts it. One import runs at a time (a second
upload waits its turn): two versions loaded at once would race for the active pointer.

The process that took the upload runs its import, and keeps the job's state, progress and report in
dtks's store (adapters/upload_jobs.py, the last :data:`KEEP` finished ones), so any replica answers
for any job and a job whose process died reads as failed, not as unknown. The uploaded file is
deleted when its import ends: it is personal data and the version holds what was kept of it; the
file of an interrupted import goes at the next start.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from slrt_runtime.errors import DomainError, NotFound

from slrt_runtime.ownlog import ServiceDatabase

from ..adapters.registry import ImportReport
from ..adapters.registry.sources import count_rows
from ..adapters.upload_jobs import UploadJobTable

log = logging.getLogger(__name__)

KEEP = 50
PROGRESS_EVERY = 500  # rows between two progress reports: fine enough for a bar, cheap enough
PROGRESS_SECONDS = 1.0  # at most one progress write a second into the store
HEARTBEAT_SECONDS = 5.0
STALE_SECONDS = 30.0  # six missed heartbeats: the process that ran the job is gone
SUFFIXES = (".csv", ".xlsx")
State = Literal["waiting", "importing", "done", "refused", "failed"]


class UploadRefused(DomainError):
    pass


class NoSuchImport(NotFound):
    pass


@dataclass
class ImportJob:
    id: uuid.UUID
    filename: str
    size: int
    received_at: dt.datetime
    state: State = "waiting"
    rows_total: int | None = None
    rows_read: int = 0
    finished_at: dt.datetime | None = None
    report: ImportReport | None = None
    problem: str | None = None
    """Why the import was refused (the extract's fault, shown to the operator) or failed."""
    path: Path | None = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "refused", "failed")

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_read * 100 // self.rows_total)  # 100 only once the version is active


def safe_filename(name: str) -> str:
    """The uploaded file's own name, kept as the version's source (letters, digits, ``._-`` only)."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name.replace("\\", "/")).name).lstrip(".")[-100:]
    if Path(base).suffix.lower() not in SUFFIXES:
        raise UploadRefused("the extract must be a .csv or .xlsx file")
    return base


class ImportJobs:
    """Receives uploads into ``folder`` and imports them one after another on a worker thread."""

    def __init__(self, application: Any, folder: Path, *, heartbeat_seconds: float = HEARTBEAT_SECONDS,
                 stale_seconds: float = STALE_SECONDS) -> None:
        self.application, self.folder = application, folder
        self.table = UploadJobTable(ServiceDatabase.of(application))
        self.owner = uuid.uuid4().hex  # this process, in the jobs it runs
        self.heartbeat_seconds, self.stale_seconds = heartbeat_seconds, stale_seconds
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="registry-upload")
        self._stop = threading.Event()
        self._heart: threading.Thread | None = None
        self._lock = threading.Lock()
        self._held: set[str] = set()  # jobs waiting or importing here: the heartbeat's
        self._remove_files_of_interrupted_imports()

    def receive(self, filename: str) -> tuple[ImportJob, Path]:
        """A new job and the path its upload is written to (then :meth:`start` or :meth:`discard`)."""
        name = safe_filename(filename)
        job = ImportJob(id=uuid.uuid4(), filename=name, size=0, received_at=dt.datetime.now(dt.timezone.utc))
        folder = self.folder / str(job.id)
        folder.mkdir(parents=True, exist_ok=True)
        job.path = folder / name
        return job, job.path

    def discard(self, job: ImportJob) -> None:
        if job.path is not None:
            shutil.rmtree(job.path.parent, ignore_errors=True)

    def start(self, job: ImportJob) -> ImportJob:
        try:
            self.table.add(job, self.owner, KEEP)
        except BaseException:
            self.discard(job)  # no job recorded (the client is told so): the file must not stay
            raise
        with self._lock:
            self._held.add(str(job.id))
            if self._heart is None:
                self._heart = threading.Thread(target=self._beat, name="registry-upload-heartbeat", daemon=True)
                self._heart.start()
        self._worker.submit(self._run, job)
        return job

    def get(self, job_id: uuid.UUID) -> ImportJob:
        row = self.table.get(job_id, self.stale_seconds)
        if row is None:
            raise NoSuchImport("no such import (finished long ago)")
        return ImportJob(
            id=uuid.UUID(row["id"]), filename=row["filename"], size=int(row["size"]),
            received_at=dt.datetime.fromisoformat(row["received_at"]), state=row["state"],
            rows_total=None if row["rows_total"] is None else int(row["rows_total"]), rows_read=int(row["rows_read"]),
            finished_at=dt.datetime.fromisoformat(row["finished_at"]) if row["finished_at"] else None,
            report=self.table.report_of(row["report"]), problem=row["problem"])

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_seconds):
            try:
                with self._lock:
                    held = sorted(self._held)
                self.table.heartbeat(held)
            except Exception:  # noqa: BLE001 - a busy store now is no reason to stop beating
                log.warning("could not record the upload jobs' heartbeat", exc_info=True)

    def _remove_files_of_interrupted_imports(self) -> None:
        """Uploaded files whose import no live process runs (this process's previous life was killed
        mid-import): personal data that nothing will read any more. A folder of no recorded job may
        be an upload another process is still receiving: it goes only once untouched for a while."""
        if not self.folder.is_dir():
            return
        recorded, alive = self.table.known(self.stale_seconds)
        quiet_since = time.time() - self.stale_seconds
        for folder in self.folder.iterdir():
            if not folder.is_dir() or folder.name in alive:
                continue
            touched = max((f.stat().st_mtime for f in folder.iterdir()), default=folder.stat().st_mtime)
            if folder.name in recorded or touched < quiet_since:
                shutil.rmtree(folder, ignore_errors=True)

    def _run(self, job: ImportJob) -> None:
        assert job.path is not None
        try:
            job.rows_total = count_rows(job.path)
            job.state = "importing"
            self._save_progress(job)
            written = time.monotonic()

            def progress(done: int) -> None:
                nonlocal written
                job.rows_read = done
                if time.monotonic() - written >= PROGRESS_SECONDS:
                    self._save_progress(job)
                    written = time.monotonic()

            job.report = self.application.import_extract(job.path, progress, progress_every=PROGRESS_EVERY)
            job.state = "done"
        except DomainError as e:  # the extract's fault: the previous version still serves
            job.problem, job.state = str(e), "refused"
        except Exception:  # noqa: BLE001 - kept on the job for the operator; the traceback goes to the log
            log.exception("registry import %s failed", job.id)
            job.problem, job.state = "the import failed; the previous registry version still serves", "failed"
        finally:
            job.finished_at = dt.datetime.now(dt.timezone.utc)
            self.discard(job)
            self._record_end(job)

    def _save_progress(self, job: ImportJob) -> None:
        try:
            self.table.save(job)
        except Exception:  # noqa: BLE001 - a progress bar a moment behind is no reason to stop an import
            log.warning("could not record the progress of registry import %s", job.id, exc_info=True)

    def _record_end(self, job: ImportJob) -> None:
        """The outcome, tried a few times; if the store refuses throughout, the job stops beating and
        reads as interrupted (the registry's versions still show whether the import took)."""
        for attempt in range(5):
            try:
                self.table.save(job)
                break
            except Exception:  # noqa: BLE001 - the store may be busy for a moment
                log.warning("could not record the end of registry import %s (attempt %d)", job.id, attempt + 1,
                            exc_info=True)
                time.sleep(0.5 * 2 ** attempt)
        with self._lock:
            self._held.discard(str(job.id))

    def close(self, *, wait: bool = False) -> None:
        self._stop.set()
        self._worker.shutdown(wait=wait, cancel_futures=True)
