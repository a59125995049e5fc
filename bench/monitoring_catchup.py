"""Monitoring benchmark: read-model catch-up over N events beside the raw consume rate of the same
JetStream stream, measured in the same run — as a rebuild replays the streams, and as the live
consumers catch up after monitoring was paused during a load (durable consumers, batches committed
with their tracking rows, fsync on, acks); dashboard query p99 with a million complaints loaded;
optionally event-to-page latency of the live updates.

    .venv/bin/python bench/monitoring_catchup.py --events 1000000

Everything is embedded: a nats-server of its own (temporary directory, fsync as in production),
SQLite read models (the embedded default). Targets (issue 6): catch-up >= 50 % of the raw consume
rate; dashboard queries p99 < 200 ms; live update p99 < 1 s at 100 complaints/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from slrt_contracts.envelope import encode
from slrt_monitoring.adapters.store import SQLiteStore
from slrt_monitoring.entrypoints.messaging import consumers
from slrt_monitoring.application.readmodel import ReadModels
from slrt_monitoring.adapters.bulk import bulk, regions
from slrt_monitoring.projections.engine import Projector
from slrt_monitoring.application.dashboard import dashboard, oldest_open
from slrt_monitoring.domain.periods import Period
from slrt_monitoring.projections.worker import ProjectorProcess, collecting_later
from slrt_monitoring.application.rebuild import Progress, replay_all
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.natsserver import NatsServerProcess
from slrt_runtime.outbox import HEADER_NOTIFICATION_ID, HEADER_UPSTREAM
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.streams import ensure_streams

DISTRICT = "1605"
T = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


async def load_streams(url: str, events: int) -> int:
    """Publish the synthetic history as the services' relays would (headers included). JetStream
    publishes with their acknowledgements pipelined (awaited every 10,000), rather than each awaited
    in turn (a quarter of the run otherwise); plain NATS publishes were faster still, but the server
    may drop some of them under such a burst (seen: 987,119 of 1,000,001 stored). The streams'
    message counts are then checked, so nothing lost goes unnoticed."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    await ensure_streams(js, ServiceSettings(district=DISTRICT))
    names = ("SLRT_INTAKE", "SLRT_DTKS", "SLRT_REFERRAL")
    before = sum([(await js.stream_info(name)).state.messages for name in names])
    sent, acks = 0, []
    for d in bulk(DISTRICT, events):
        subject, body, headers = encode(d.event, event_id=str(uuid.uuid4()), time=T, extra_headers={
            HEADER_UPSTREAM: d.upstream, HEADER_NOTIFICATION_ID: str(d.notification_id)})
        acks.append(await js.publish_async(subject, body, wait_stall=60, headers=headers))
        sent += 1
        if sent % 10_000 == 0:
            await asyncio.gather(*acks)  # raises if one was refused or timed out
            acks.clear()
            print(f"\r  loading streams: {sent:,}", end="", file=sys.stderr)
    await asyncio.gather(*acks)
    deadline = time.monotonic() + 60
    while (total := sum([(await js.stream_info(name)).state.messages for name in names])) < before + sent:
        if time.monotonic() > deadline:
            raise SystemExit(f"the streams hold {total - before:,} of the {sent:,} events published")
        await asyncio.sleep(0.2)
    print(file=sys.stderr)
    await nc.close()
    return total


async def raw_consume(url: str, batch: int = 5000) -> tuple[int, float]:
    """Read every message of the producer streams from the start, doing nothing with them."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    read, start = 0, time.perf_counter()
    for producer in ("intake", "dtks", "referral"):
        sub = await js.pull_subscribe(f"slrt.{DISTRICT}.{producer}.>", stream=f"SLRT_{producer.upper()}",
                                      config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL))
        pending = (await sub.consumer_info()).num_pending
        while pending:
            msgs = await sub.fetch(min(batch, pending), timeout=5)
            read += len(msgs)
            pending = msgs[-1].metadata.num_pending
        await sub.unsubscribe()
    elapsed = time.perf_counter() - start
    await nc.close()
    return read, elapsed


async def catch_up(url: str, store: SQLiteStore) -> tuple[int, float]:
    nc = await nats.connect(url)
    progress = Progress()
    start = time.perf_counter()
    worker = ProjectorProcess(store.spec(bulk=True))
    await replay_all(nc.jetstream(), DISTRICT, worker, progress)
    worker.close()
    store.create()  # the index the bulk writer leaves out, as a rebuild does before its swap
    elapsed = time.perf_counter() - start
    await nc.close()
    return progress.applied, elapsed


async def live_catch_up(url: str, data_dir: Path, events: int) -> tuple[int, float]:
    """Monitoring's own consumers (as the service runs them) started on streams that already hold
    ``events``: the time until every one is applied and acknowledged."""
    settings = ServiceSettings(district=DISTRICT, nats_url=url, data_dir=data_dir)
    models = ReadModels(settings)
    messaging = ServiceMessaging("monitoring", settings)
    live = consumers(models, settings)
    for consumer in live:
        messaging.add_consumer(consumer)
    start = time.perf_counter()
    await messaging.start()
    try:
        while (done := sum(c.processed + c.dead_lettered + c.ignored for c in live)) < events:
            print(f"\r  live consumers: {done:,}", end="", file=sys.stderr)
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - start
        print(f"\r  live consumers: {done:,} ({sum(getattr(c, 'caught_up', 0) for c in live):,} through the catch-up"
              f" processes, {sum(c.batches_split for c in live)} batches split)", end="", file=sys.stderr)
    finally:
        await messaging.stop()
        models.close()
    print(file=sys.stderr)
    return done, elapsed


def cpu_seconds() -> float:
    """CPU of this process and of its children that ended (the projector processes after a replay;
    not the nats-server, which runs on): the consuming side's cost."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measured(run: object) -> tuple[int, float, float]:
    """(events, wall seconds, CPU seconds) of one consuming run."""
    cpu = cpu_seconds()
    events, wall = asyncio.run(run)  # type: ignore[arg-type]
    return events, wall, cpu_seconds() - cpu


def fill_complaints(store: SQLiteStore, target: int) -> int:
    """Top the read model up to ``target`` complaints (registrations applied directly, in batches)."""
    projector = Projector(store)
    with store.transaction(commit=False) as c:
        have = c.execute("SELECT COALESCE(SUM(n), 0) FROM {p}counts_sub WHERE metric='complaints'").fetchone()[0]
    missing = target - have
    if missing <= 0:
        print(f"  the read model holds {have:,} complaints already")
        return have
    batch: list = []
    start = time.perf_counter()
    for d in bulk(DISTRICT, missing, seed=7, only_registrations=True, first_complaint=10_000_000):
        batch.append(d)
        if len(batch) == 5000:
            with collecting_later():  # as the catch-up processes apply a batch
                projector.apply_batch(batch)
            batch.clear()
            print(f"\r  loading complaints: +{d.notification_id - 10_000_000:,}", end="", file=sys.stderr)
    with collecting_later():
        projector.apply_batch(batch)
    print(file=sys.stderr)
    print(f"  topped up {missing:,} complaints in {time.perf_counter() - start:.0f} s")
    return target


def query_p99(store: SQLiteStore, queries: int = 200) -> dict[str, float]:
    rnd = random.Random(1)
    areas = regions(DISTRICT)
    filters = [DISTRICT, *{r.subdistrict for r in areas}, *[r.village for r in areas[:20]]]
    periods = [None, "2026", "2026-S1", "2026-Q2", "2026-M03"]
    times = []
    for _ in range(queries):
        region, period = rnd.choice(filters), rnd.choice(periods)
        start = time.perf_counter()
        dashboard(store, region, Period.parse(period))
        oldest_open(store, region)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p99": times[int(len(times) * 0.99) - 1], "max": times[-1]}


def live_latency(rate: int, seconds: int, tmp: Path) -> dict[str, float]:
    """Event published -> 'update' received on the dashboard's event stream -> figures re-read, at
    ``rate`` complaints per second, with the service running as in production (uvicorn, consumers)."""
    import threading

    import httpx
    import uvicorn
    from slrt_monitoring.main import build
    from slrt_runtime.natsserver import free_port

    server = NatsServerProcess(tmp / "nats-live").start()
    port = free_port()
    settings = ServiceSettings(district=DISTRICT, nats_url=server.url, data_dir=tmp / "live", http_port=port)
    web = uvicorn.Server(uvicorn.Config(build(settings), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=web.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            if httpx.get(f"{base}/readyz").json().get("nats_connected"):
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    token = httpx.post(f"{base}/auth/dev-token", json={"sub": "b", "role": "manager", "region": DISTRICT}).json()
    sent_at: list[float] = []
    received: list[float] = []
    refresh: list[float] = []

    def listen() -> None:
        with httpx.stream("GET", f"{base}/dashboard/events?access_token={token['access_token']}", timeout=None) as r:
            for line in r.iter_lines():
                if line.startswith("data:") and '"events"' in line:
                    now = time.perf_counter()
                    received.extend([now] * json.loads(line[5:])["events"])
                    if len(received) >= rate * seconds:
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    time.sleep(1)

    async def produce() -> None:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        start = time.perf_counter()
        for i, d in enumerate(bulk(DISTRICT, rate * seconds, seed=9, only_registrations=True)):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            subject, body, headers = encode(d.event, event_id=str(uuid.uuid4()), time=T, extra_headers={
                HEADER_UPSTREAM: d.upstream, HEADER_NOTIFICATION_ID: str(d.notification_id)})
            sent_at.append(time.perf_counter())
            await js.publish(subject, body, headers=headers)
        await nc.close()

    asyncio.run(produce())
    listener.join(timeout=60)
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    for _ in range(50):
        t0 = time.perf_counter()
        httpx.get(f"{base}/dashboard/fragment", headers=auth)
        refresh.append((time.perf_counter() - t0) * 1000)
    web.should_exit = True
    server.stop()
    lat = sorted((r - s) * 1000 for s, r in zip(sent_at, received, strict=False))
    refresh.sort()
    return {"events": len(lat), "p50": statistics.median(lat), "p99": lat[int(len(lat) * 0.99) - 1],
            "refresh_p99": refresh[int(len(refresh) * 0.99) - 1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="events on the streams (default 1,000,000)")
    parser.add_argument("--complaints", type=int, default=1_000_000, help="complaints loaded for the query test")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--live-rate", type=int, default=100, help="complaints/s for the live-update test (0: skip)")
    parser.add_argument("--live-seconds", type=int, default=20)
    parser.add_argument("--no-live-catchup", action="store_true", help="skip the live consumers' catch-up")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="slrt-bench-") as tmp:
        server = NatsServerProcess(Path(tmp) / "nats").start()
        try:
            print(f"monitoring catch-up benchmark: {args.events:,} events, {dt.date.today()}, "
                  f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
            stored = asyncio.run(load_streams(server.url, args.events))
            print(f"  streams hold {stored:,} events")
            load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
            read, raw_s, raw_cpu = measured(raw_consume(server.url))
            store = SQLiteStore(Path(tmp) / "monitoring_rm1.sqlite")
            applied, catch_s, catch_cpu = measured(catch_up(server.url, store))
            raw_rate, catch_rate = read / raw_s, applied / catch_s

            def cpu(seconds: float, n: int) -> str:
                return f"CPU {seconds / n * 1e6:5.0f} us/event"

            print(f"raw JetStream consume : {read:>10,} events in {raw_s:7.1f} s = {raw_rate:>9,.0f} events/s"
                  f"  {cpu(raw_cpu, read)}")
            print(f"read-model catch-up   : {applied:>10,} events in {catch_s:7.1f} s = {catch_rate:>9,.0f} events/s"
                  f"  {cpu(catch_cpu, applied)}  ({catch_rate / raw_rate:.0%} of raw; target >= 50 %)")
            if not args.no_live_catchup:
                live_n, live_s, live_cpu = measured(live_catch_up(server.url, Path(tmp) / "live-catchup", stored))
                live_rate = live_n / live_s
                print(f"live consumers resume : {live_n:>10,} events in {live_s:7.1f} s = {live_rate:>9,.0f} events/s"
                      f"  {cpu(live_cpu, live_n)}  ({live_rate / raw_rate:.0%} of raw; fsync, acks, catch-up processes)")
            print(f"  (load average before: {load_before}; after: {' '.join(f'{x:.1f}' for x in os.getloadavg())};"
                  f" {os.cpu_count()} CPUs)")
        finally:
            server.stop()
        complaints = fill_complaints(store, args.complaints)
        q = query_p99(store, args.queries)
        print(f"dashboard query ({complaints:,} complaints, {args.queries} queries): p50 {q['p50']:.1f} ms, "
              f"p99 {q['p99']:.1f} ms, max {q['max']:.1f} ms (target p99 < 200 ms)")
        if args.live_rate:
            live = live_latency(args.live_rate, args.live_seconds, Path(tmp))
            print(f"live update at {args.live_rate} complaints/s ({live['events']:,} events): event -> SSE update "
                  f"p50 {live['p50']:.0f} ms, p99 {live['p99']:.0f} ms; page re-read p99 {live['refresh_p99']:.0f} ms "
                  f"(target event -> page p99 < 1 s)")


if __name__ == "__main__":
    main()
