"""Counting what the platform did per complaint, and doing the same directly: the raw bound of
``bench/e2e_complaints.py``.

What a complaint costs the backends is counted in the run itself (rows added to every service's event
tables, messages added to the JetStream streams, deliveries to the durable consumers), then the same
numbers of operations are done directly with the same libraries, on the same backend and the same
nats-server, with the same durability (SQLite/PostgreSQL commits as eventsourcing makes them, JetStream
file storage with ``sync_interval: always``, every publish and every delivery acknowledged):

- appends: eventsourcing saves through the platform's own application base (same recorder, mapper,
  SQLite lock time-out or PostgreSQL server);
- publishes: nats-py JetStream publishes with ``Nats-Msg-Id``, each acknowledged by the stream;
- consumes: durable pull consumers with explicit ack, every message acknowledged.

Done two ways, one after another in one process:

- *one at a time*: one event per committed transaction, each publish awaited before the next, fetches
  of the platform's consumer batch size (16) — what the work costs when nothing is grouped;
- *grouped*: the events of ``GROUP`` complaints per transaction, up to ``WINDOW`` publishes in flight,
  fetches of ``WINDOW`` messages — the same durability, grouped as issue 10 asks the platform to.

Each way gives ``complaints / (append time + publish time + consume time)``; the raw bound takes the
faster way of each of the three (with ``sync_interval: always`` pipelined publishes are not always the
faster). End to end / the raw bound is the figure issue 10 sets at >= 50 %.
"""

from __future__ import annotations

import asyncio
import math
import re
import sqlite3
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
from eventsourcing.domain import Aggregate
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.settings import ServiceSettings

EVENT_COLUMNS = {"originator_id", "originator_version", "topic", "state"}
RAW_STREAM = "BENCH_RAW"
CONSUMER_BATCH = 16  # slrt_runtime.consumers.TrackedConsumer.batch_size


# -- where the platform keeps its events ---------------------------------------------------------
@dataclass
class Stores:
    """The platform's databases: SQLite files under ``data_dir``, or the PostgreSQL schemas of one
    database (one per service, named after it; ``prefix`` narrows them)."""

    data_dir: Path | None = None
    postgres: dict[str, Any] | None = None  # psycopg connection arguments
    prefix: str = ""

    def _sqlite_tables(self) -> list[tuple[str, str, str]]:
        out = []
        for path in sorted(self.data_dir.glob("*.sqlite")):  # type: ignore[union-attr]
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
                for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
                    columns = {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
                    if EVENT_COLUMNS <= columns and "snapshot" not in table:
                        out.append((str(path), path.stem, table))
        return out

    def _postgres_tables(self, conn: Any) -> list[tuple[str, str]]:
        rows = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.columns WHERE table_schema LIKE %s "
            "AND column_name = ANY(%s) GROUP BY table_schema, table_name HAVING COUNT(*) = %s",
            (f"{self.prefix}%", list(EVENT_COLUMNS), len(EVENT_COLUMNS))).fetchall()
        return [(s, t) for s, t in rows if "snapshot" not in t]

    def events(self) -> Counter[str]:
        """Stored events per database (service), now."""
        counts: Counter[str] = Counter()
        if self.postgres is None:
            for path, name, table in self._sqlite_tables():
                with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
                    counts[name] += db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            return counts
        import psycopg

        with psycopg.connect(**self.postgres, autocommit=True) as conn:
            for schema, table in self._postgres_tables(conn):
                n = conn.execute(f'SELECT COUNT(*) FROM "{schema}"."{table}"').fetchone()[0]
                counts[schema.removeprefix(self.prefix)] += n
        return counts

    def registrations_by_marker(self, pattern: re.Pattern[bytes]) -> Counter[bytes]:
        """How many complaints intake stored for each marker found in their registration events."""
        markers: Counter[bytes] = Counter()
        topic = "%intake%Complaint.Registered"
        if self.postgres is None:
            for path, _, table in self._sqlite_tables():
                with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
                    for (state,) in db.execute(f'SELECT state FROM "{table}" WHERE topic LIKE ?', (topic,)):
                        markers.update(set(pattern.findall(bytes(state))))
            return markers
        import psycopg

        with psycopg.connect(**self.postgres, autocommit=True) as conn:
            for schema, table in self._postgres_tables(conn):
                for (state,) in conn.execute(f'SELECT state FROM "{schema}"."{table}" WHERE topic LIKE %s', (topic,)):
                    markers.update(set(pattern.findall(bytes(state))))
        return markers


async def bus_totals(url: str) -> tuple[int, int, dict[str, int]]:
    """(messages in the platform's streams, deliveries to their durable consumers, pending per consumer)."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    messages = deliveries = 0
    pending: dict[str, int] = {}
    try:
        for stream in await js.streams_info():
            name = stream.config.name
            if name == RAW_STREAM:
                continue
            messages += stream.state.messages
            for consumer in await js.consumers_info(name):
                deliveries += consumer.delivered.consumer_seq if consumer.delivered else 0
                pending[f"{name}/{consumer.name}"] = (consumer.num_pending or 0) + (consumer.num_ack_pending or 0)
    finally:
        await nc.close()
    return messages, deliveries, pending


# -- the same operations, done directly ------------------------------------------------------------
class Sample(Aggregate):
    """An event of about a complaint registration's size."""

    def __init__(self, text: str) -> None:
        self.text = text


class RawStore(ServiceApplication):
    """The platform's own application base (recorder, mapper, durability settings)."""


BODY = ("Kartu KIS tidak aktif saat berobat di puskesmas; mohon diperiksa dan dibantu. " * 6)[:480]


GROUP = 32  # complaints whose events one grouped transaction holds (the default number of desks)
WINDOW = 256  # publishes in flight / messages per fetch when grouped


def raw_appends(settings: ServiceSettings, count: int, per_transaction: int) -> float:
    app = RawStore(settings)
    app.save(Sample(BODY))  # tables created, connection open: not part of the measure
    start = time.perf_counter()
    for first in range(0, count, per_transaction):
        app.save(*(Sample(BODY) for _ in range(min(per_transaction, count - first))))
    elapsed = time.perf_counter() - start
    app.close()
    return elapsed


async def raw_bus(url: str, publishes: int, consumes: int, window: int, fetch: int) -> tuple[float, float]:
    """Publish ``publishes`` acknowledged messages, ``window`` in flight, then consume ``consumes``
    deliveries (as many durable consumers over the stream as that needs), each acknowledged."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    try:
        await js.delete_stream(RAW_STREAM)
    except Exception:  # noqa: BLE001 - not there yet
        pass
    await js.add_stream(StreamConfig(name=RAW_STREAM, subjects=["bench.raw.>"], storage=StorageType.FILE,
                                     duplicate_window=2 * 3600))
    body = (BODY * 2).encode()[:800]
    publishes = max(publishes, 1)
    start = time.perf_counter()
    for first in range(0, publishes, window):
        await asyncio.gather(*(js.publish("bench.raw.complaint.registered", body,
                                          headers={"Nats-Msg-Id": str(uuid.uuid4())})
                               for _ in range(min(window, publishes - first))))
    publish_seconds = time.perf_counter() - start
    consumed, start = 0, time.perf_counter()
    for i in range(math.ceil(consumes / publishes)):
        sub = await js.pull_subscribe("bench.raw.>", durable=f"raw-{i}", stream=RAW_STREAM, config=ConsumerConfig(
            ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, max_ack_pending=10_000))
        taken = 0
        while consumed < consumes and taken < publishes:
            for msg in await sub.fetch(min(fetch, consumes - consumed, publishes - taken), timeout=5):
                await msg.ack()
                consumed += 1
                taken += 1
        await sub.unsubscribe()
    consume_seconds = time.perf_counter() - start
    await js.delete_stream(RAW_STREAM)
    await nc.close()
    return publish_seconds, consume_seconds


@dataclass
class RawBound:
    how: str
    complaints: int
    appends: int
    publishes: int
    consumes: int
    append_seconds: float
    publish_seconds: float
    consume_seconds: float

    @property
    def complaints_per_second(self) -> float:
        return self.complaints / (self.append_seconds + self.publish_seconds + self.consume_seconds)

    def line(self) -> str:
        def rate(n: int, s: float) -> str:
            return f"{n / s:>8,.0f}/s" if s else "-"
        return (f"  {self.how:<13} appends {rate(self.appends, self.append_seconds)}  publishes "
                f"{rate(self.publishes, self.publish_seconds)}  consumes {rate(self.consumes, self.consume_seconds)}"
                f"  ->  {self.complaints_per_second:8,.0f} complaints/s")


def best_of(ways: list[RawBound]) -> RawBound:
    return RawBound("raw bound", ways[0].complaints, ways[0].appends, ways[0].publishes, ways[0].consumes,
                    min(w.append_seconds for w in ways), min(w.publish_seconds for w in ways),
                    min(w.consume_seconds for w in ways))


async def raw_bounds(settings: ServiceSettings, nats_url: str, complaints: int,
                     per_complaint: dict[str, float]) -> list[RawBound]:
    appends = round(per_complaint["appends"] * complaints)
    publishes = round(per_complaint["publishes"] * complaints)
    consumes = round(per_complaint["consumes"] * complaints)
    out = []
    for how, per_transaction, window, fetch in (("one at a time", 1, 1, CONSUMER_BATCH),
                                                ("grouped", max(1, round(per_complaint["appends"] * GROUP)),
                                                 WINDOW, WINDOW)):
        append_seconds = await asyncio.to_thread(raw_appends, settings, appends, per_transaction)
        publish_seconds, consume_seconds = await raw_bus(nats_url, publishes, consumes, window, fetch)
        out.append(RawBound(how, complaints, appends, publishes, consumes, append_seconds, publish_seconds,
                            consume_seconds))
    return [*out, best_of(out)]


async def wait_quiet(nats_url: str, timeout: float) -> None:
    """Until every durable consumer has nothing pending or unacknowledged (all effects done)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        _, _, pending = await bus_totals(nats_url)
        if not any(pending.values()):
            await asyncio.sleep(1.0)  # what the last deliveries produced is published within a relay poll
            if not any((await bus_totals(nats_url))[2].values()):
                return
        await asyncio.sleep(0.5)
    print(f"  (still pending after {timeout:.0f} s: {({k: v for k, v in pending.items() if v})})")
