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

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError, ProcessRecorder, StoredEvent, Tracking

from .groupcommit import GroupCommitter, translate_postgres_error, translate_sqlite_error

log = logging.getLogger(__name__)

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

    async def run_async(self, work: Callable[[Any], Written]) -> Written:
        """:meth:`run` awaited on the event loop, without a worker thread of the caller's."""

    def counter_exists(self, sequence: str) -> bool: ...

    def find_response(self, key: str) -> StoredResponse | None: ...

    async def lookup(self, key: str) -> StoredResponse | None:
        """:meth:`find_response` awaited on the event loop; it sees every response stored before."""

    def store_response(self, key: str, status: int, body: bytes, content_type: str, location: str | None) -> None: ...

    def store_response_later(self, key: str, status: int, body: bytes, content_type: str,
                             location: str | None) -> None:
        """:meth:`store_response` with the next commit, not waited for (a later lookup sees it)."""

    def prune_responses(self, older_than: dt.datetime) -> None: ...


# -- SQLite and PostgreSQL -------------------------------------------------------------------------
class _SqlTransaction:
    def __init__(self, store: SqlCommandStore, cursor: Any) -> None:
        self.store, self.c = store, cursor

    def next_number(self, sequence: str, start_after: int = 0) -> int:
        # The row stays locked until commit: concurrent issuers queue here instead of retrying.
        self.c.execute(self.store.sql(f"INSERT INTO {self.store.counters} AS c (name, last) VALUES (?, ?) "
                                      "ON CONFLICT (name) DO UPDATE SET last = c.last + 1 RETURNING last"),
                       (sequence, start_after + 1))
        return int(self.c.fetchone()["last"])

    def insert(self, stored_events: Sequence[StoredEvent], trackings: Sequence[Tracking]) -> list[int] | None:
        recorder = self.store.recorder
        for tracking in trackings:
            recorder._insert_tracking(self.c, tracking)  # noqa: SLF001 - inside our transaction
        if not stored_events:
            return []
        return self.store.insert_events(self.c, stored_events)

    def record_idempotency(self, record: IdempotencyRecord) -> None:
        self.c.execute(self.store.sql(f"INSERT INTO {self.store.idempotency} (key, fingerprint, subject, created_at) "
                                      "VALUES (?, ?, ?, ?)"),
                       (record.key, record.fingerprint, record.subject, self.store.time(dt.datetime.now(dt.UTC))))


class SqlCommandStore:
    """Counters and idempotency records beside the events, in the event store's own database.

    The two SQL backends differ only in what the subclasses say: placeholders, column types, how
    a time is stored, and how the recorder inserts events inside a transaction of ours."""

    placeholder = "?"
    types = {"text": "TEXT", "int": "INTEGER", "bigint": "INTEGER", "bytes": "BLOB", "time": "TEXT"}

    def __init__(self, recorder: ProcessRecorder, counters: str, idempotency: str,
                 translate: Callable[[BaseException], BaseException]) -> None:
        self.recorder: Any = recorder
        self.datastore = recorder.datastore  # type: ignore[attr-defined]
        self.counters, self.idempotency = counters, idempotency
        t = self.types
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"CREATE TABLE IF NOT EXISTS {counters} (name {t['text']} PRIMARY KEY, last {t['bigint']} NOT NULL)")
            c.execute(f"CREATE TABLE IF NOT EXISTS {idempotency} (key {t['text']} PRIMARY KEY, "
                      f"fingerprint {t['text']} NOT NULL, subject {t['text']} NOT NULL, created_at {t['time']} NOT NULL, "
                      f"status {t['int']}, body {t['bytes']}, content_type {t['text']}, location {t['text']})")
            c.execute(f"CREATE INDEX IF NOT EXISTS {IDEMPOTENCY_TABLE}_created ON {idempotency} (created_at)")
        self.committer = GroupCommitter(self.transaction, translate)
        # Lookups of Idempotency-Keys, batched on a thread of their own: they do not wait for the
        # writer's groups (a lookup and then its command would take two of them).
        self.lookups = GroupCommitter(self.transaction, translate, name="slrt-key-lookups")
        self._unstored: dict[str, tuple[int, bytes, str, str | None]] = {}
        """Responses sent but not yet committed (``store_response_later``), by key."""

    def sql(self, statement: str) -> str:
        return statement.replace("?", self.placeholder)

    def time(self, value: dt.datetime) -> Any:
        return value.isoformat()  # UTC, one format: ISO strings order as the times do

    def insert_events(self, c: Any, stored_events: Sequence[StoredEvent]) -> list[int] | None:
        # Without a tracking argument the process recorder writes only the events.
        ids = self.recorder._insert_events(c, stored_events)  # noqa: SLF001
        return list(ids) if ids is not None else None

    @contextmanager
    def transaction(self) -> Iterator[_SqlTransaction]:
        with self.datastore.transaction(commit=True) as c:
            yield _SqlTransaction(self, c)

    def run(self, work: Callable[[Any], Written]) -> Written:
        return self.committer.run(work)

    async def run_async(self, work: Callable[[Any], Written]) -> Written:
        return await self.committer.submit(work)

    def counter_exists(self, sequence: str) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.sql(f"SELECT 1 FROM {self.counters} WHERE name = ?"), (sequence,))  # noqa: S608
            return c.fetchone() is not None

    def find_response(self, key: str) -> StoredResponse | None:
        return self.find_responses([key])[0]

    def find_responses(self, keys: list[str]) -> list[StoredResponse | None]:
        """The records of several keys (a group's lookups) in one query, in the order asked."""
        found: dict[str, StoredResponse] = {}
        marks = ", ".join("?" * len(keys))
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.sql(f"SELECT key, fingerprint, subject, status, body, content_type, location "  # noqa: S608
                               f"FROM {self.idempotency} WHERE key IN ({marks})"), keys)
            for row in c.fetchall():
                found[row["key"]] = StoredResponse(row["fingerprint"], row["subject"], row["status"],
                                                   bytes(row["body"] or b""), row["content_type"] or "",
                                                   row["location"])
        return [found.get(key) for key in keys]

    def store_response(self, key: str, status: int, body: bytes, content_type: str, location: str | None) -> None:
        # Through the group commit: it shares the fsync of the commands committed with it.
        statement = self.sql(f"UPDATE {self.idempotency} SET status = ?, body = ?, content_type = ?, "  # noqa: S608
                             "location = ? WHERE key = ?")
        self.committer.run(lambda tx: tx.c.execute(statement, (status, body, content_type, location, key)))

    async def lookup(self, key: str) -> StoredResponse | None:
        # Taken before the read: a response removed from here meanwhile was committed before the read.
        unstored = self._unstored.get(key)
        stored = await self.lookups.read(self.find_responses, key)
        if stored is not None and stored.status is None and unstored is not None:
            return replace(stored, status=unstored[0], body=unstored[1], content_type=unstored[2],
                           location=unstored[3])
        return stored

    def store_response_later(self, key: str, status: int, body: bytes, content_type: str,
                             location: str | None) -> None:
        # The request does not wait for a second commit: the answer is sent already, and a retry's
        # lookup finds it here until it is committed. Lost only if the process dies first: the retry
        # then replays, as after a crash between the command's commit and its answer.
        statement = self.sql(f"UPDATE {self.idempotency} SET status = ?, body = ?, content_type = ?, "  # noqa: S608
                             "location = ? WHERE key = ?")
        self._unstored[key] = (status, body, content_type, location)

        def settled(error: BaseException | None) -> None:
            self._unstored.pop(key, None)
            if error is not None:
                log.warning("could not store the response of an idempotent request: %s", type(error).__name__)

        self.committer.post(lambda tx: tx.c.execute(statement, (status, body, content_type, location, key)), settled)

    def prune_responses(self, older_than: dt.datetime) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.sql(f"DELETE FROM {self.idempotency} WHERE created_at < ?"),  # noqa: S608
                      (self.time(older_than),))


class SQLiteCommandStore(SqlCommandStore):
    def __init__(self, recorder: ProcessRecorder) -> None:
        super().__init__(recorder, COUNTERS_TABLE, IDEMPOTENCY_TABLE, translate_sqlite_error)


class PostgresCommandStore(SqlCommandStore):
    placeholder = "%s"
    types = {"text": "text", "int": "integer", "bigint": "bigint", "bytes": "bytea", "time": "timestamptz"}

    def __init__(self, recorder: ProcessRecorder) -> None:
        schema = recorder.datastore.schema  # type: ignore[attr-defined]
        prefix = f'"{schema}".' if schema else ""
        super().__init__(recorder, prefix + COUNTERS_TABLE, prefix + IDEMPOTENCY_TABLE, translate_postgres_error)

    def time(self, value: dt.datetime) -> Any:
        return value

    def insert_events(self, c: Any, stored_events: Sequence[StoredEvent]) -> list[int] | None:
        self.recorder._insert_stored_events(c, stored_events)  # noqa: SLF001 - locks the table, notifies, inserts
        return list(self.recorder._fetch_ids_after_insert_events(c, stored_events))  # noqa: SLF001


# -- in memory (tests) ----------------------------------------------------------------------------
class _MemoryTransaction:
    def __init__(self, store: MemoryCommandStore) -> None:
        self.store = store
        self.counters: dict[str, int] = {}
        self.idempotency: list[IdempotencyRecord] = []
        self.events: list[StoredEvent] = []
        self.trackings: list[Tracking] = []
        self.ids: list[int] = []  # known at commit

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
                tx.ids = list(recorder._update_table(tx.events) or [])  # noqa: SLF001
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
        with self.transaction() as tx:
            written = work(tx)
        written.ids = tx.ids
        return written

    async def run_async(self, work: Callable[[Any], Written]) -> Written:
        return self.run(work)  # in memory: nothing to wait for

    def counter_exists(self, sequence: str) -> bool:
        return sequence in self.counters

    async def lookup(self, key: str) -> StoredResponse | None:
        return self.find_response(key)

    def store_response_later(self, key: str, status: int, body: bytes, content_type: str,
                             location: str | None) -> None:
        self.store_response(key, status, body, content_type, location)

    def find_response(self, key: str) -> StoredResponse | None:
        return self.responses.get(key)

    def store_response(self, key: str, status: int, body: bytes, content_type: str, location: str | None) -> None:
        old = self.responses[key]
        self.responses[key] = StoredResponse(old.fingerprint, old.subject, status, body, content_type, location)

    def prune_responses(self, older_than: dt.datetime) -> None:
        for key in [k for k, t in self._created.items() if t < older_than]:
            self.responses.pop(key, None)
            self._created.pop(key, None)


def command_store_for(recorder: ProcessRecorder) -> CommandStore:
    # The library's class or a subclass of it (slrt_runtime.pgrecorder): the first library module up the MRO.
    module = next((c.__module__ for c in type(recorder).__mro__ if c.__module__.startswith("eventsourcing.")), "")
    if module.startswith("eventsourcing.sqlite"):
        return SQLiteCommandStore(recorder)
    if module.startswith("eventsourcing.postgres"):
        return PostgresCommandStore(recorder)
    return MemoryCommandStore(recorder)
