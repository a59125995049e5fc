"""Registry extracts uploaded through the API, imported in the background with their progress.

A district's extract is tens of megabytes and its import takes minutes: the operator's browser
sends the file, gets a job at once (202) and asks for the job's progress while the import runs,
instead of holding one request open until a proxy cuts it. One import runs at a time (a second
upload waits its turn): two versions loaded at once would race for the active pointer.

Jobs live in the memory of the process that took the upload (the last :data:`KEEP` of them); the
registry versions they made are in the registry, for every replica. The uploaded file is deleted
when its import ends: it is personal data and the version holds what was kept of it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import threading
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from slrt_runtime.errors import DomainError, NotFound

from ..adapters.registry import ImportReport
from ..adapters.registry.sources import count_rows

log = logging.getLogger(__name__)

KEEP = 50
PROGRESS_EVERY = 500  # rows between two progress reports: fine enough for a bar, cheap enough
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

    def __init__(self, application: Any, folder: Path) -> None:
        self.application, self.folder = application, folder
        self._jobs: OrderedDict[uuid.UUID, ImportJob] = OrderedDict()
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="registry-upload")

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
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP:
                oldest = next(iter(self._jobs.values()))
                if not oldest.finished:
                    break
                self._jobs.popitem(last=False)
        self._worker.submit(self._run, job)
        return job

    def get(self, job_id: uuid.UUID) -> ImportJob:
        job = self._jobs.get(job_id)
        if job is None:
            raise NoSuchImport("no such import here (finished long ago, or taken by another replica)")
        return job

    def _run(self, job: ImportJob) -> None:
        assert job.path is not None
        try:
            job.rows_total = count_rows(job.path)
            job.state = "importing"

            def progress(done: int) -> None:
                job.rows_read = done

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

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)
