"""National stream benchmark: 514 districts publish real-sized snapshots to one hub; the national
aggregator (``python -m slrt_monitoring.national``, its own process) keeps up, or not.

    .venv/bin/python bench/national_514.py [--districts 514] [--paces 4,2,1] [--rounds 5]

Everything embedded: a nats-server of its own (temporary directory, fsync on every write as in
production), the aggregator as a subprocess with its SQLite store. The snapshots are made by the
monitoring service's own code (``national.snapshot.snapshot``: read models from synthetic histories,
cells 1-4 suppressed), a dozen district histories of different sizes re-coded to 514 district codes.

Printed, from one run: the raw JetStream consume rate of the same messages on the same server; per
pace (one round of every district every N seconds) the lag p50/p99 from a district's publish to the
aggregator having it, with the overview polled every second; the fastest pace with lag p99 < 5 s;
messages/s beside the raw rate; the aggregator's CPU ms per message and memory; whether the national
sums equal what was published; how long a fresh aggregator (new volume) takes to rebuild from the
hub's bounded storage, and how big that storage is. Targets (issue 15): lag p99 < 5 s at one round
every 4 s or faster, sums exact, >= 50 % of the raw consume rate, a fresh rebuild under a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig
from slrt_contracts.envelope import encode
from slrt_contracts.events.monitoring import AggregateCell, DistrictAggregatesPublished
from slrt_monitoring.adapters.store import SQLiteStore
from slrt_monitoring.adapters.bulk import bulk
from slrt_monitoring.application.snapshot import snapshot
from slrt_monitoring.projections.engine import Projector
from slrt_monitoring.domain.periods import Period
from slrt_runtime.natsserver import NatsServerProcess, free_port

TICK = os.sysconf("SC_CLK_TCK")


def district_codes(n: int) -> list[str]:
    return [f"{11 + i // 30:02d}{i % 30 + 1:02d}" for i in range(n)]


def templates(work: Path, count: int) -> list[tuple[str, list[AggregateCell]]]:
    """Snapshots of ``count`` synthetic districts of different sizes, made by the service's own code."""
    made = []
    for i in range(count):
        code = f"{9001 + i}"
        store = SQLiteStore(work / f"district-{code}.sqlite", bulk=True)
        store.create()
        Projector(store).apply_batch(list(bulk(code, 400 + 500 * i, seed=i)))
        made.append((code, snapshot(store, code, Period.parse(None)).cells))
        store.close()
    # The synthetic histories have 14 sub-districts; real districts have up to ~40. Every other
    # template also carries its predecessor's sub-district cells as sub-districts 21-34 (15-31 KB).
    for i in range(1, count, 2):
        code, cells = made[i]
        previous, before = made[i - 1]
        extra = [c.model_copy(update={"region": f"{code}{int(c.region[4:]) + 20:02d}"}) for c in before
                 if len(c.region) == 6]
        made[i] = (code, cells + extra)
    return made


def recode(cells: list[AggregateCell], old: str, new: str) -> list[AggregateCell]:
    return [c.model_copy(update={"region": new + c.region[4:]}) for c in cells]


class Publisher:
    """Every district's snapshot of a round: a template's cells re-coded to the district, spliced into the
    contract's JSON (the aggregator validates it in full); cheap, so that the bench measures the hub."""

    def __init__(self, made: list[tuple[str, list[AggregateCell]]]) -> None:
        self.made = made
        self.cells_json = [json.dumps([c.model_dump(mode="json") for c in cells], separators=(",", ":"))
                           for _, cells in made]
        self.latest: dict[str, int] = {}  # district -> template of its newest snapshot

    def message(self, code: str, template: int, now: dt.datetime, sequence: int) -> tuple[str, bytes, dict[str, str]]:
        template %= len(self.made)
        head = DistrictAggregatesPublished(district=code, snapshot_id=uuid.uuid4(), period="semua",
                                           period_from="2000-01", period_to="2999-12", generated_at=now,
                                           sequence=sequence, cells=[])
        subject, body, headers = encode(head, event_id=str(head.snapshot_id), time=now)
        cells = self.cells_json[template].replace(f'"region":"{self.made[template][0]}', f'"region":"{code}')
        self.latest[code] = template
        return subject, body.replace(b'"cells":[]', b'"cells":' + cells.encode()), headers

    def expected(self) -> dict[str, list[AggregateCell]]:
        return {code: recode(self.made[t][1], self.made[t][0], code) for code, t in self.latest.items()}


def expected_sums(latest: dict[str, list[AggregateCell]]) -> dict[str, dict[str, dict[str, int]]]:
    national: dict[str, dict[str, dict[str, int]]] = {}
    for district, cells in latest.items():
        for c in cells:
            if c.region != district:
                continue
            total = national.setdefault(c.metric, {}).setdefault(c.key, {"count": 0, "suppressed_cells": 0})
            if c.suppressed:
                total["suppressed_cells"] += 1
            else:
                total["count"] += c.count or 0
    return {m: dict(sorted(keys.items())) for m, keys in sorted(national.items())}


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def memory_mb(pid: int) -> tuple[float, float]:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


class Aggregator:
    def __init__(self, nats_url: str, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "SLRT_NATIONAL_NATS_URL": nats_url, "SLRT_NATIONAL_DATA_DIR": str(data_dir),
               "SLRT_NATIONAL_HTTP_PORT": str(self.port), "SLRT_NATIONAL_HTTP_HOST": "127.0.0.1"}
        self.process = subprocess.Popen([sys.executable, "-m", "slrt_monitoring.national"], env=env,
                                        stdout=open(log, "ab"), stderr=subprocess.STDOUT)  # noqa: SIM115
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(f"{self.url}/status")["consuming"]:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"aggregator did not start; see {log}")
            time.sleep(0.1)

    def status(self) -> dict[str, Any]:
        return get(f"{self.url}/status")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


async def raw_rate(url: str, messages: list[tuple[str, bytes, dict[str, str]]]) -> tuple[float, float, float]:
    """Publish the same messages to a stream of their own, then pull them with acks (nats-py, batches
    of 200): the raw cost of JetStream on this server in this run."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="RAW", subjects=["raw.>"]))
    started = time.perf_counter()
    await asyncio.gather(*(js.publish("raw." + s.split(".")[1], b, headers=h, timeout=120) for s, b, h in messages))
    published = len(messages) / (time.perf_counter() - started)
    sub = await js.pull_subscribe("raw.>", durable="raw", stream="RAW", config=ConsumerConfig(
        ack_policy=AckPolicy.EXPLICIT, max_ack_pending=800))
    started, cpu, n = time.perf_counter(), time.process_time(), 0
    while n < len(messages):
        for m in await sub.fetch(200, timeout=10):
            await m.ack()
            n += 1
    consumed = n / (time.perf_counter() - started)
    cpu_ms = (time.process_time() - cpu) / n * 1000
    await js.delete_stream("RAW")
    await nc.close()
    return published, consumed, cpu_ms


async def run_pace(url: str, aggregator: Aggregator, codes: list[str], publisher: Publisher,
                   pace: float, rounds: int, first_round: int) -> dict[str, Any]:
    nc = await nats.connect(url)
    js = nc.jetstream()
    base = aggregator.status()["stats"]["absorbed"]
    sent: list[float] = []  # publish time of the n-th message after base
    stored: dict[int, float] = {}  # when the hub acknowledged it (stored, fsynced)
    polls: list[tuple[float, int]] = []
    overview_ms: list[float] = []
    done = asyncio.Event()

    async def poll_status() -> None:
        while not done.is_set():
            absorbed = (await asyncio.to_thread(aggregator.status))["stats"]["absorbed"] - base
            polls.append((time.monotonic(), absorbed))
            if absorbed >= rounds * len(codes) and len(sent) == rounds * len(codes):
                done.set()
            await asyncio.sleep(0.1)

    async def poll_overview() -> None:  # someone watching the national page
        while not done.is_set():
            t = time.perf_counter()
            await asyncio.to_thread(urllib.request.urlopen(f"{aggregator.url}/overview", timeout=30).read)
            overview_ms.append((time.perf_counter() - t) * 1000)
            await asyncio.sleep(1.0)

    async def acked(k: int, publishing: Any) -> None:
        await publishing
        stored[k] = time.monotonic()

    cpu0 = cpu_seconds(aggregator.process.pid)
    pollers = [asyncio.create_task(poll_status()), asyncio.create_task(poll_overview())]
    start = time.monotonic()
    round_starts = []
    for r in range(rounds):
        await asyncio.sleep(max(0.0, start + r * pace - time.monotonic()))
        round_starts.append(time.monotonic())
        now = dt.datetime.now(dt.timezone.utc)
        pending = []
        for i, code in enumerate(codes):
            subject, body, headers = publisher.message(code, i + first_round + r, now, first_round + r)
            sent.append(time.monotonic())
            pending.append(acked(len(sent) - 1, js.publish(subject, body, headers=headers, timeout=120)))
        await asyncio.gather(*pending)
    await asyncio.wait_for(done.wait(), timeout=600)
    elapsed = time.monotonic() - start
    cpu = cpu_seconds(aggregator.process.pid) - cpu0
    for task in pollers:
        task.cancel()
    await nc.close()

    lags, per_round, after_hub = [], [], []
    for r in range(rounds):
        round_lags = []
        for k in range(r * len(codes), (r + 1) * len(codes)):
            absorbed_at = next(t for t, n in polls if n > k)
            round_lags.append(absorbed_at - sent[k])
            after_hub.append(max(absorbed_at - stored[k], 0.0))
        per_round.append((round_lags, max(next(t for t, n in polls if n >= (r + 1) * len(codes)) - round_starts[r], 0)))
        lags += round_lags
    total = rounds * len(codes)
    return {"pace": pace, "lags": lags, "per_round": per_round, "after_hub": after_hub, "rate": total / elapsed, "cpu_ms": cpu / total * 1000,
            "overview_ms": overview_ms}


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[p - 1] if len(values) > 1 else values[0]


async def publish_all(url: str, messages: list[tuple[str, bytes, dict[str, str]]]) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await asyncio.gather(*(js.publish(s, b, headers=h, timeout=120) for s, b, h in messages))
    await nc.close()


async def hub_storage(url: str) -> dict[str, tuple[int, int]]:
    nc = await nats.connect(url)
    js = nc.jetstream()
    out = {}
    for name in ("SLRT_MONITORING", "KV_SLRT_NATIONAL_LATEST", "SLRT_DEADLETTER"):
        info = await js.stream_info(name)
        out[name] = (info.state.messages, info.state.bytes)
    await nc.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--districts", type=int, default=514)
    parser.add_argument("--paces", default="4,2,1", help="seconds between rounds, slowest first")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per pace")
    parser.add_argument("--templates", type=int, default=12)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="national-bench-"))
    print(f"national_514 {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} "
          f"(machine shared with other work)")
    t = time.perf_counter()
    made = templates(work, args.templates)
    codes = district_codes(args.districts)
    sizes = [(len(cells), len(Publisher(made).message(code, i, dt.datetime.now(dt.timezone.utc), 1)[1]))
             for i, (code, cells) in enumerate(made)]
    print(f"snapshots: {min(s[0] for s in sizes)}-{max(s[0] for s in sizes)} cells, "
          f"{min(s[1] for s in sizes) / 1024:.0f}-{max(s[1] for s in sizes) / 1024:.0f} KB "
          f"({args.templates} district histories re-coded to {len(codes)} districts, made in {time.perf_counter() - t:.0f} s)")

    server = NatsServerProcess(work / "hub", log_file=work / "nats.log").start()
    try:
        publisher = Publisher(made)
        now = dt.datetime.now(dt.timezone.utc)
        sample = [publisher.message(code, i, now, 0) for i, code in enumerate(codes * 2)]
        publisher.latest.clear()
        published, raw, raw_cpu = asyncio.run(raw_rate(server.url, sample))
        print(f"raw JetStream, same server, same messages ({len(sample)}): publish {published:,.0f}/s, "
              f"pull consume + ack {raw:,.0f}/s ({raw_cpu:.2f} ms CPU/msg in the consumer)")

        aggregator = Aggregator(server.url, work / "national", work / "aggregator.log")
        results, first_round = [], 0
        for pace in (float(p) for p in args.paces.split(",")):
            res = asyncio.run(run_pace(server.url, aggregator, codes, publisher, pace, args.rounds, first_round))
            first_round += args.rounds
            results.append(res)
            rounds = "; ".join(f"{pct(lags, 50):.1f}/{pct(lags, 99):.1f}" for lags, _ in res["per_round"])
            print(f"pace 1 round / {pace:g} s: lag p50 {pct(res['lags'], 50):.2f} s, p99 {pct(res['lags'], 99):.2f} s "
                  f"(per round p50/p99: {rounds}); from the hub's ack to the aggregator: p50 "
                  f"{pct(res['after_hub'], 50):.2f} s, p99 {pct(res['after_hub'], 99):.2f} s; round absorbed within "
                  f"{max(r for _, r in res['per_round']):.1f} s of its start; {res['rate']:,.0f} msg/s overall; "
                  f"aggregator CPU {res['cpu_ms']:.2f} ms/msg; GET /overview p50 "
                  f"{statistics.median(res['overview_ms'] or [0]):.0f} ms")
        ok = [r["pace"] for r in results if pct(r["lags"], 99) < 5.0]
        print(f"fastest pace with lag p99 < 5 s: {'1 round / %g s' % min(ok) if ok else 'none of those tried'}")

        # Throughput with a backlog, as the raw rate was measured: the aggregator stopped, two rounds
        # published, the aggregator started again (same volume) and timed until it has absorbed them.
        aggregator.stop()
        messages = []
        for r in range(2):
            now = dt.datetime.now(dt.timezone.utc)
            messages += [publisher.message(code, i + first_round + r, now, first_round + r)
                         for i, code in enumerate(codes)]
        first_round += 2
        asyncio.run(publish_all(server.url, messages))
        aggregator = Aggregator(server.url, work / "national", work / "aggregator.log")
        t, cpu0 = time.monotonic(), cpu_seconds(aggregator.process.pid)
        while aggregator.status()["stats"]["absorbed"] < len(messages):
            time.sleep(0.05)
        rate = len(messages) / (time.monotonic() - t)
        cpu_ms = (cpu_seconds(aggregator.process.pid) - cpu0) / len(messages) * 1000
        print(f"backlog of {len(messages)} snapshots: absorbed at {rate:,.0f} msg/s = {rate / raw:.0%} of the raw "
              f"consume rate; aggregator CPU {cpu_ms:.2f} ms/msg")
        rss, peak = memory_mb(aggregator.process.pid)
        print(f"aggregator memory: RSS {rss:.0f} MB, peak {peak:.0f} MB")

        time.sleep(6)  # one mirror interval: the bucket has the last round
        overview = get(f"{aggregator.url}/overview")
        latest = publisher.expected()
        want = expected_sums(latest)
        figures_ok = all(overview["districts"][d]["figures"] == {
            m: v for m, v in expected_figures(cells, d).items()} for d, cells in latest.items())
        print(f"national sums equal what was published: {overview['national'] == want and figures_ok} "
              f"({len(overview['districts'])} districts, {sum(len(k) for k in want.values())} national cells)")
        aggregator.stop()

        storage = asyncio.run(hub_storage(server.url))
        print("hub storage after the run: " + ", ".join(
            f"{name} {n:,} msgs {b / 1e6:.1f} MB" for name, (n, b) in storage.items()))
        t = time.monotonic()
        fresh = Aggregator(server.url, work / "national-fresh", work / "aggregator-fresh.log")
        started = time.monotonic() - t
        while fresh.status()["districts_per_period"].get("semua", 0) < len(codes) or get(
                f"{fresh.url}/overview")["national"] != want:
            time.sleep(0.2)
            if time.monotonic() - t > 600:
                break
        print(f"fresh aggregator (new volume) rebuilt the {len(codes)} districts from the hub in "
              f"{time.monotonic() - t:.1f} s ({started:.1f} s of it starting the process), sums equal: "
              f"{get(f'{fresh.url}/overview')['national'] == want}")
        fresh.stop()
    finally:
        server.stop()


def expected_figures(cells: list[AggregateCell], district: str) -> dict[str, dict[str, Any]]:
    mine: dict[str, dict[str, Any]] = {}
    for c in cells:
        if c.region == district:
            mine.setdefault(c.metric, {})[c.key] = "<5" if c.suppressed else c.count
    return mine


if __name__ == "__main__":
    main()
