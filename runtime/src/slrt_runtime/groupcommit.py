"""Group commit: the commands that arrive together share one transaction and one fsync."""

from __future__ import annotations

import contextvars
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError, OperationalError


@dataclass
class _Job:
    work: Callable[[Any], Any]
    context: contextvars.Context
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class GroupCommitter:
    """Commits the commands that arrive together in one transaction: one fsync for the group.

    Durability stays as it is (every commit is synchronous); what is grouped is the commit. Each
    command runs inside a savepoint of its own, so one that fails (a domain rule, a version
    conflict) is rolled back alone and told so, while the rest of the group commits. A command
    waits for the commit that contains it and only then hears it succeeded. One writer thread per
    store: commands are serialised anyway by the database's write lock, here without the pool's
    lock hand-over between threads.
    """

    def __init__(self, open_transaction: Callable[[], Any], translate: Callable[[BaseException], BaseException],
                 max_group: int = 64) -> None:
        self.open_transaction, self.translate, self.max_group = open_transaction, translate, max_group
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def run(self, work: Callable[[Any], Any]) -> Any:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._loop, name="slrt-group-commit", daemon=True)
                    self._thread.start()
        job = _Job(work, contextvars.copy_context())  # trace context and request state of the caller
        self._queue.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def _loop(self) -> None:
        while True:
            jobs = [self._queue.get()]
            while len(jobs) < self.max_group:
                try:
                    jobs.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(jobs)

    def _commit(self, jobs: list[_Job]) -> None:
        grouped = len(jobs) > 1
        try:
            with self.open_transaction() as tx:
                for i, job in enumerate(jobs):
                    if grouped:
                        tx.c.execute(f"SAVEPOINT s{i}")
                    try:
                        job.result = job.context.run(job.work, tx)
                    except BaseException as e:  # noqa: BLE001 - handed to the waiting caller
                        job.error = self.translate(e)
                        if not grouped:
                            raise
                        tx.c.execute(f"ROLLBACK TO SAVEPOINT s{i}")
                    if grouped:
                        tx.c.execute(f"RELEASE SAVEPOINT s{i}")
        except BaseException as e:  # noqa: BLE001 - the commit failed: nothing of the group was saved
            error = self.translate(e)
            for job in jobs:
                if job.error is None:
                    job.error, job.result = error, None
        finally:
            for job in jobs:
                job.done.set()


def translate_sqlite_error(e: BaseException) -> BaseException:
    if isinstance(e, sqlite3.IntegrityError):
        return IntegrityError(str(e))
    if isinstance(e, sqlite3.OperationalError):
        return OperationalError(str(e))
    return e


def translate_postgres_error(e: BaseException) -> BaseException:
    import psycopg

    if isinstance(e, psycopg.IntegrityError):
        return IntegrityError(str(e))
    if isinstance(e, psycopg.OperationalError):
        return OperationalError(str(e))
    return e
