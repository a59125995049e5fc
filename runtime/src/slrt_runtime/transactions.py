"""One command, one transaction: events, tracking rows, numbers and the idempotency record together.

eventsourcing commits each ``save`` in a transaction of its own and knows nothing of numbers or of
HTTP retries. A command here may also take numbers (receipt, queue, letter numbers) and carry the
client's ``Idempotency-Key``; a batch of consumed messages carries one tracking row per message.
All of it is written in ONE database transaction, so a command either happened completely or not at
all, and nothing is ever committed that the client is then told failed.

Numbers come from a counter row per sequence (``slrt_counters``), incremented inside the command's
transaction: O(1) per number however many were issued, gap-free (a rolled-back command gives its
number back) and, because the row is locked until commit, in commit order. No aggregate is
reloaded and nobody retries on a version conflict.

Inside a write transaction nothing may read through the connection pool: eventsourcing's pool hands
out connections in request order, so a read queued behind a waiting writer would wait for the very
transaction that asked for it. Whatever a command needs to read, it reads before the transaction.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError, OperationalError, ProcessRecorder, StoredEvent, Tracking

COUNTERS_TABLE = "slrt_counters"
IDEMPOTENCY_TABLE = "slrt_idempotency"


@dataclass
class IdempotencyRecord:
    """What a command's transaction stores for its Idempotency-Key (the response comes later)."""

    key: str
    fingerprint: str
    subject: str


@dataclass(frozen=True)
class StoredResponse:
    fingerprint: str
    subject: str
    status: int | None
    """None: the command committed but its response was not stored (the process died in between)."""
    body: bytes
    content_type: str
    location: str | None = None


@dataclass
class Written:
    """What one command wrote: its events (as domain and stored events) and their positions."""

    processing: Any
    stored: list[StoredEvent]
    ids: list[int] | None


class Transaction(Protocol):
    def next_number(self, sequence: str, start_after: int = 0) -> int: ...

    def insert(self, stored_events: Sequence[StoredEvent], trackings: Sequence[Tracking]) -> list[int] | None: ...

    def record_idempotency(self, record: IdempotencyRecord) -> None: ...


class CommandStore(Protocol):
    """The backend-specific part: a write transaction and the idempotency table."""

    def transaction(self) -> Any: ...  # context manager yielding a Transaction

    def run(self, work: Callable[[Any], Written]) -> Written: ...

    def counter_exists(self, sequence: str) -> bool: ...

    def find_response(self, key: str) -> StoredResponse | None: ...

    def store_response(self, key: str, status: int, body: bytes, content_type: str, location: str | None) -> None: ...

    def prune_responses(self, older_than: dt.datetime) -> int: ...


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


# -- group commit ---------------------------------------------------------------------------------
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


# -- SQLite ---------------------------------------------------------------------------------------
class _SQLiteTransaction:
    def __init__(self, recorder: Any, cursor: Any) -> None:
        self.recorder, self.c = recorder, cursor

    def next_number(self, sequence: str, start_after: int = 0) -> int:
        self.c.execute(f"INSERT INTO {COUNTERS_TABLE} (name, last) VALUES (?, ?) "
                       "ON CONFLICT (name) DO UPDATE SET last = last + 1 RETURNING last", (sequence, start_after + 1))
        return int(self.c.fetchone()[0])

    def insert(self, stored_events: Sequence[StoredEvent], trackings: Sequence[Tracking]) -> list[int] | None:
        for tracking in trackings:
            self.recorder._insert_tracking(self.c, tracking)  # noqa: SLF001 - inside our transaction
        if not stored_events:
            return []
        # Without a tracking argument the process recorder writes only the events.
        ids = self.recorder._insert_events(self.c, stored_events)  # noqa: SLF001
        return list(ids) if ids is not None else None

    def record_idempotency(self, record: IdempotencyRecord) -> None:
        self.c.execute(
            f"INSERT INTO {IDEMPOTENCY_TABLE} (key, fingerprint, subject, created_at) VALUES (?, ?, ?, ?)",
            (record.key, record.fingerprint, record.subject, _now()))


class SQLiteCommandStore:
    def __init__(self, recorder: ProcessRecorder) -> None:
        self.recorder = recorder
        self.datastore = recorder.datastore  # type: ignore[attr-defined]
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"CREATE TABLE IF NOT EXISTS {COUNTERS_TABLE} (name TEXT PRIMARY KEY, last INTEGER NOT NULL)")
            c.execute(f"CREATE TABLE IF NOT EXISTS {IDEMPOTENCY_TABLE} (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, "
                      "subject TEXT NOT NULL, created_at TEXT NOT NULL, status INTEGER, body BLOB, "
                      "content_type TEXT, location TEXT)")
            c.execute(f"CREATE INDEX IF NOT EXISTS {IDEMPOTENCY_TABLE}_created ON {IDEMPOTENCY_TABLE} (created_at)")

        self.committer = GroupCommitter(self.transaction, translate_sqlite_error)

    @contextmanager
    def transaction(self) -> Iterator[_SQLiteTransaction]:
        with self.datastore.transaction(commit=True) as c:
            yield _SQLiteTransaction(self.recorder, c)

    def run(self, work: Callable[[Any], Written]) -> Written:
        return self.committer.run(work)

    def counter_exists(self, sequence: str) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT 1 FROM {COUNTERS_TABLE} WHERE name = ?", (sequence,))
            return c.fetchone() is not None

    def find_response(self, key: str) -> StoredResponse | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT fingerprint, subject, status, body, content_type, location FROM {IDEMPOTENCY_TABLE} "
                      "WHERE key = ?", (key,))
            row = c.fetchone()
        if row is None:
            return None
        return StoredResponse(row[0], row[1], row[2], bytes(row[3] or b""), row[4] or "", row[5])

    def store_response(self, key: str, status: int, body: bytes, content_type: str, location: str | None) -> None:
        # Through the group commit: it shares the fsync of the commands committed with it.
        self.committer.run(lambda tx: tx.c.execute(
            f"UPDATE {IDEMPOTENCY_TABLE} SET status = ?, body = ?, content_type = ?, location = ? WHERE key = ?",
            (status, body, content_type, location, key)))

    def prune_responses(self, older_than: dt.datetime) -> int:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {IDEMPOTENCY_TABLE} WHERE created_at < ?", (older_than.isoformat(),))
            c.execute("SELECT changes()")
            return int(c.fetchone()[0])


# -- PostgreSQL -----------------------------------------------------------------------------------
class _PostgresTransaction:
    def __init__(self, store: PostgresCommandStore, cursor: Any) -> None:
        self.store, self.c = store, cursor

    def next_number(self, sequence: str, start_after: int = 0) -> int:
        # The row stays locked until commit: concurrent issuers queue here instead of retrying.
        self.c.execute(f"INSERT INTO {self.store.counters} AS c (name, last) VALUES (%s, %s) "  # noqa: S608
                       "ON CONFLICT (name) DO UPDATE SET last = c.last + 1 RETURNING last", (sequence, start_after + 1))
        return int(self.c.fetchone()["last"])

    def insert(self, stored_events: Sequence[StoredEvent], trackings: Sequence[Tracking]) -> list[int] | None:
        recorder = self.store.recorder
        for tracking in trackings:
            recorder._insert_tracking(self.c, tracking)  # noqa: SLF001
        if not stored_events:
            return []
        recorder._insert_stored_events(self.c, stored_events)  # noqa: SLF001 - locks the table, notifies, inserts
        return list(recorder._fetch_ids_after_insert_events(self.c, stored_events))  # noqa: SLF001

    def record_idempotency(self, record: IdempotencyRecord) -> None:
        self.c.execute(f"INSERT INTO {self.store.idempotency} (key, fingerprint, subject, created_at) "  # noqa: S608
                       "VALUES (%s, %s, %s, now())", (record.key, record.fingerprint, record.subject))


class PostgresCommandStore:
    def __init__(self, recorder: ProcessRecorder) -> None:
        self.recorder: Any = recorder
        self.datastore = recorder.datastore  # type: ignore[attr-defined]
        schema = self.datastore.schema
        self.counters = f'"{schema}".{COUNTERS_TABLE}' if schema else COUNTERS_TABLE
        self.idempotency = f'"{schema}".{IDEMPOTENCY_TABLE}' if schema else IDEMPOTENCY_TABLE
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"CREATE TABLE IF NOT EXISTS {self.counters} (name text PRIMARY KEY, last bigint NOT NULL)")
            c.execute(f"CREATE TABLE IF NOT EXISTS {self.idempotency} (key text PRIMARY KEY, fingerprint text NOT NULL, "
                      "subject text NOT NULL, created_at timestamptz NOT NULL, status integer, body bytea, "
                      "content_type text, location text)")
            c.execute(f"CREATE INDEX IF NOT EXISTS {IDEMPOTENCY_TABLE}_created ON {self.idempotency} (created_at)")

        self.committer = GroupCommitter(self.transaction, translate_postgres_error)

    @contextmanager
    def transaction(self) -> Iterator[_PostgresTransaction]:
        with self.datastore.transaction(commit=True) as c:
            yield _PostgresTransaction(self, c)

    def run(self, work: Callable[[Any], Written]) -> Written:
        return self.committer.run(work)

    def counter_exists(self, sequence: str) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT 1 FROM {self.counters} WHERE name = %s", (sequence,))  # noqa: S608
            return c.fetchone() is not None

    def find_response(self, key: str) -> StoredResponse | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT fingerprint, subject, status, body, content_type, location FROM {self.idempotency} "  # noqa: S608
                      "WHERE key = %s", (key,))
            row = c.fetchone()
        if row is None:
            return None
        return StoredResponse(row["fingerprint"], row["subject"], row["status"], bytes(row["body"] or b""),
                              row["content_type"] or "", row["location"])

    def store_response(self, key: str, status: int, body: bytes, content_type: str, location: str | None) -> None:
        self.committer.run(lambda tx: tx.c.execute(
            f"UPDATE {self.idempotency} SET status = %s, body = %s, content_type = %s, location = %s "  # noqa: S608
            "WHERE key = %s", (status, body, content_type, location, key)))

    def prune_responses(self, older_than: dt.datetime) -> int:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {self.idempotency} WHERE created_at < %s", (older_than,))  # noqa: S608
            return int(c.rowcount or 0)


# -- in memory (tests) ----------------------------------------------------------------------------
class _MemoryTransaction:
    def __init__(self, store: MemoryCommandStore) -> None:
        self.store = store
        self.counters: dict[str, int] = {}
        self.idempotency: list[IdempotencyRecord] = []
        self.events: list[StoredEvent] = []
        self.trackings: list[Tracking] = []

    def next_number(self, sequence: str, start_after: int = 0) -> int:
        last = self.counters.get(sequence, self.store.counters.get(sequence, start_after))
        self.counters[sequence] = last + 1
        return last + 1

    def insert(self, stored_events: Sequence[StoredEvent], trackings: Sequence[Tracking]) -> list[int] | None:
        self.events.extend(stored_events)
        self.trackings.extend(trackings)
        return None  # ids are known at commit

    def record_idempotency(self, record: IdempotencyRecord) -> None:
        if record.key in self.store.responses or any(r.key == record.key for r in self.idempotency):
            raise IntegrityError(f"idempotency key {record.key} already recorded")
        self.idempotency.append(record)


class MemoryCommandStore:
    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.counters: dict[str, int] = {}
        self.responses: dict[str, StoredResponse] = {}
        self._created: dict[str, dt.datetime] = {}
        self._ids: list[int] = []
        self._run_lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[_MemoryTransaction]:
        recorder = self.recorder
        with recorder._database_lock:  # noqa: SLF001 - one writer at a time, as a database would
            tx = _MemoryTransaction(self)
            yield tx
            for tracking in tx.trackings:
                recorder._assert_tracking_uniqueness(tracking)  # noqa: SLF001
            if len({(t.application_name, t.notification_id) for t in tx.trackings}) < len(tx.trackings):
                raise IntegrityError("the same message twice in one batch")
            if tx.events:
                recorder._assert_uniqueness(tx.events)  # noqa: SLF001
                self._ids = list(recorder._update_table(tx.events) or [])  # noqa: SLF001
            else:
                self._ids = []
            for tracking in tx.trackings:
                recorder._insert_tracking(tracking)  # noqa: SLF001
            self.counters.update(tx.counters)
            now = dt.datetime.now(dt.UTC)
            for record in tx.idempotency:
                self.responses[record.key] = StoredResponse(record.fingerprint, record.subject, None, b"", "")
                self._created[record.key] = now
        if tx.events:
            recorder._notify_listeners()  # noqa: SLF001

    def run(self, work: Callable[[Any], Written]) -> Written:
        with self._run_lock:
            with self.transaction() as tx:
                written = work(tx)
            written.ids = list(self._ids)
        return written

    def counter_exists(self, sequence: str) -> bool:
        return sequence in self.counters

    def find_response(self, key: str) -> StoredResponse | None:
        return self.responses.get(key)

    def store_response(self, key: str, status: int, body: bytes, content_type: str, location: str | None) -> None:
        old = self.responses[key]
        self.responses[key] = StoredResponse(old.fingerprint, old.subject, status, body, content_type, location)

    def prune_responses(self, older_than: dt.datetime) -> int:
        old = [k for k, t in self._created.items() if t < older_than]
        for k in old:
            self.responses.pop(k, None)
            self._created.pop(k, None)
        return len(old)


def command_store_for(recorder: ProcessRecorder) -> CommandStore:
    module = type(recorder).__module__
    if module.startswith("eventsourcing.sqlite"):
        return SQLiteCommandStore(recorder)
    if module.startswith("eventsourcing.postgres"):
        return PostgresCommandStore(recorder)
    return MemoryCommandStore(recorder)


class KnownCounters:
    """Sequences already seeded in this process (so the legacy seed is read at most once each)."""

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._lock = threading.Lock()

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def add(self, name: str) -> None:
        with self._lock:
            self._names.add(name)


LegacySeed = Callable[[str], int]
"""The last number a sequence issued before counters existed (0 for a new sequence)."""
