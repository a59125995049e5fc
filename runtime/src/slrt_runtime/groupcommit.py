"""Group commit: the commands that arrive together share one transaction and one fsync."""

from __future__ import annotations

import asyncio
import contextvars
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import IntegrityError, OperationalError

from .worker import settle


@dataclass(eq=False)
class _Job:
    work: Callable[[Any], Any]
    context: contextvars.Context
    read: bool = False  # ``work(args)`` after the group's commit, for the reads of all jobs with this work
    arg: Any = None
    done: threading.Event | None = None  # a blocked thread waits on it
    future: asyncio.Future[Any] | None = None  # or a coroutine awaits it
    settled: Callable[[BaseException | None], None] | None = None  # or nobody waits: told after the commit
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

    Three ways in: :meth:`run` blocks a thread until the commit; :meth:`submit` is awaited on the
    event loop (the writer settles the future with one ``call_soon_threadsafe`` per group, so a
    request costs no worker thread of its own); :meth:`post` queues work nobody waits for. Reads
    (:meth:`read`) run after the group's commit, all those of a group in one go (one query, not a
    round trip each), never inside a write transaction; an instance that only reads (the store's
    key lookups) batches them on a thread of its own.
    """

    def __init__(self, open_transaction: Callable[[], Any], translate: Callable[[BaseException], BaseException],
                 max_group: int = 64, name: str = "slrt-group-commit") -> None:
        self.open_transaction, self.translate, self.max_group = open_transaction, translate, max_group
        self.name = name
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def _put(self, job: _Job) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                    self._thread.start()
        self._queue.put(job)

    def run(self, work: Callable[[Any], Any]) -> Any:
        # The caller's context goes along: trace context and request state (the Idempotency-Key).
        job = _Job(work, contextvars.copy_context(), done=threading.Event())
        self._put(job)
        job.done.wait()  # type: ignore[union-attr]
        if job.error is not None:
            raise job.error
        return job.result

    def submit(self, work: Callable[[Any], Any]) -> asyncio.Future[Any]:
        """``work`` committed with the next group; await the result on the calling event loop."""
        future = asyncio.get_running_loop().create_future()
        self._put(_Job(work, contextvars.copy_context(), future=future))
        return future

    def read(self, many: Callable[[list[Any]], list[Any]], arg: Any) -> asyncio.Future[Any]:
        """``many([arg, ...])`` answers, in order, the reads of a group made with the same ``many``;
        await this one's answer on the calling event loop."""
        future = asyncio.get_running_loop().create_future()
        self._put(_Job(many, contextvars.copy_context(), read=True, arg=arg, future=future))
        return future

    def post(self, work: Callable[[Any], Any], settled: Callable[[BaseException | None], None]) -> None:
        """``work`` committed with the next group; nobody waits. Once the group is committed (or
        ``work`` failed, its savepoint rolled back) ``settled(error or None)`` is called on the writer."""
        self._put(_Job(work, contextvars.copy_context(), settled=settled))

    def _loop(self) -> None:
        while True:
            jobs = [self._queue.get()]
            while len(jobs) < self.max_group:
                try:
                    jobs.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            writes = [job for job in jobs if not job.read]
            reads = [job for job in jobs if job.read]
            if writes:
                try:
                    self._commit(writes)
                except BaseException as e:  # noqa: BLE001 - translating failed: still tell every waiter
                    for job in writes:
                        job.error = job.error or e
                _settle(writes)
            if reads:
                self._read(reads)
                _settle(reads)

    @staticmethod
    def _read(jobs: list[_Job]) -> None:
        together: dict[Callable[[Any], Any], list[_Job]] = {}
        for job in jobs:
            together.setdefault(job.work, []).append(job)
        for many, batch in together.items():
            try:
                for job, result in zip(batch, many([job.arg for job in batch]), strict=True):
                    job.result = result
            except BaseException as e:  # noqa: BLE001 - handed to the waiting callers
                for job in batch:
                    job.error = e

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


def _settle(jobs: list[_Job]) -> None:
    """Wake every waiter: threads directly, each event loop once for all of its futures."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
    for job in jobs:
        if job.done is not None:
            job.done.set()
        elif job.future is not None:
            by_loop.setdefault(job.future.get_loop(), []).append(job)
        elif job.settled is not None:
            try:
                job.settled(job.error)
            except Exception:  # noqa: BLE001, S110 - a failing report must not stop the writer
                pass
    for loop, waiting in by_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve, waiting)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass


def _resolve(jobs: list[_Job]) -> None:
    for job in jobs:
        settle(job.future, job.result, job.error)  # type: ignore[arg-type]


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
