"""End-to-end benchmark of the complaint write path (issue 10): the whole platform as processes, front
office desks registering complaints, each checked by DTKS and shown in monitoring.

    .venv/bin/python bench/e2e_complaints.py                    # embedded default (SQLite)
    .venv/bin/python bench/e2e_complaints.py --postgres         # PostgreSQL at 127.0.0.1:5432 (or a URL)
    .venv/bin/python bench/e2e_complaints.py --clients 32 --seconds 30 --paced-rate 100 --paced-seconds 10
    .venv/bin/python bench/e2e_complaints.py --profile var/profile   # py-spy samples during the load

A fresh platform in a temporary directory (nats-server with fsync on every write, the five services
on free ports), then:

1. load: ``--clients`` concurrent desks register complaints for ``--seconds`` as fast as they are
   answered. Every request has its own ``Idempotency-Key`` header, sent again on each retry (after a
   5xx, a time-out or a refused connection), and a marker in its description, so duplicates can be
   counted in intake's event store afterwards. Complainants are synthetic people of the DTKS registry
   (``GET /registry/sample``), so every complaint gets a DTKS check.
   Printed: accepted complaints/s, 5xx, duplicates, complaints/s visible in monitoring as DTKS-checked
   (the staff dashboard's DTKS check counts), CPU ms per complaint of every process (``/proc``:
   utime + stime, from the start of the load until every effect is consumed; nats-server included),
   and the events, messages and deliveries per complaint;
2. paced: ``--paced-rate`` complaints/s for ``--paced-seconds``; p50/p99 of the POST and of
   registered -> visible as DTKS-checked on the public tracking page (polled oldest first);
3. raw bound (see ``e2e_raw.py``): the same appends, publishes and consumes per complaint done directly
   with the same libraries and durability, one at a time and grouped, and the ratio end to end / raw.

All traffic goes to 127.0.0.1. The client's own CPU is printed too: it shares the machine. With the
defaults a run takes about 2 minutes once the platform keeps up with 100 complaints/s; on slower code
the paced phase waits for its backlog (~6 minutes on main of 2026-12-02: use ``--paced-seconds 3``).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import re
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from e2e_platform import (  # noqa: E402
    cpu_now,
    create_schema,
    wait_visible,
    drop_postgres,
    machine,
    postgres_args,
    postgres_rehearsal,
    processes,
    start_profilers,
)
from e2e_client import RawClient, TransportError, fast_loop  # noqa: E402
from e2e_raw import GROUP, WINDOW, Stores, bus_totals, raw_bounds, wait_quiet  # noqa: E402
from slrt_platform.platform import Platform, free_port_block  # noqa: E402
from slrt_runtime.natsserver import free_port  # noqa: E402
from slrt_runtime.settings import Persistence, ServiceSettings  # noqa: E402

DISTRICT = "1605"


# -- desks ---------------------------------------------------------------------------------------
@dataclass
class Tally:
    accepted: int = 0
    answers: collections.Counter[int] = field(default_factory=collections.Counter)
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    refused: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    markers: set[str] = field(default_factory=set)
    last_accept: float = 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.answers.items() if status >= 500)


class Desks:
    def __init__(self, client: RawClient, token: str, people: list[dict[str, Any]],
                 run: str, max_connections: int, max_attempts: int = 20) -> None:
        self.client, self.people, self.run = client, people, run
        self.headers = {"Authorization": f"Bearer {token}"}
        self.max_attempts = max_attempts
        self.seq = 0
        # Requests beyond the connection pool wait here (an open loop must not open a connection each).
        self.gate = asyncio.Semaphore(max_connections)

    def next_body(self) -> tuple[str, dict[str, Any]]:
        self.seq += 1
        marker = f"bench-{self.run}-{self.seq:07d}"
        person = self.people[self.seq % len(self.people)]
        village = person["village_code"]
        return marker, {"complaint_type": "grievance", "field": "health",
                        "region": {"district": DISTRICT, "subdistrict": village[:6], "village": village},
                        "description": f"Kartu KIS tidak aktif saat berobat [{marker}]", "nik": person["nik"]}

    async def register(self, tally: Tally) -> tuple[str, str] | None:
        """One complaint, retried with the same Idempotency-Key until answered; (marker, receipt)."""
        marker, body = self.next_body()
        headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4())}
        start = time.perf_counter()
        async with self.gate:
            return await self._attempts(tally, marker, body, headers, start)

    async def _attempts(self, tally: Tally, marker: str, body: dict[str, Any], headers: dict[str, str],
                        start: float) -> tuple[str, str] | None:
        for attempt in range(1, self.max_attempts + 1):
            wait = min(0.1 * 2 ** (attempt - 1), 2.0)
            try:
                r = await self.client.post("/complaints", body, headers)
            except TransportError as e:  # time-outs, refused or reset connections
                tally.errors[str(e).split(":")[0]] += 1
            else:
                tally.answers[r.status_code] += 1
                if r.status_code in (200, 201):
                    now = time.perf_counter()
                    tally.accepted += 1
                    tally.latencies.append(now - start)
                    tally.markers.add(marker)
                    tally.last_accept = now
                    return marker, r.json()["receipt_number"]
                if r.status_code < 500 and r.status_code != 429:
                    if len(tally.refused) < 3:
                        tally.refused.append(f"{r.status_code} {r.text[:200]}")
                    return None
                if retry_after := r.headers.get("Retry-After"):
                    wait = min(float(retry_after), 5.0) if retry_after.replace(".", "").isdigit() else wait
            await asyncio.sleep(wait)
        tally.errors["gave up"] += 1
        return None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else float("nan")


# -- the run -----------------------------------------------------------------------------------------
@dataclass
class Context:
    client: httpx.AsyncClient
    platform: Platform
    stores: Stores
    desks: Desks
    manager: str
    args: argparse.Namespace

    @property
    def monitoring(self) -> str:
        return self.platform.url("monitoring")

    @property
    def nats_url(self) -> str:
        return self.platform.nats_url  # type: ignore[return-value]


async def load(ctx: Context, base_visible: int) -> tuple[Tally, dict[str, float]]:
    args, pids = ctx.args, processes(ctx.platform)
    events0, (messages0, deliveries0, _) = ctx.stores.events(), await bus_totals(ctx.nats_url)
    cpu0 = cpu_now(pids)
    spies = start_profilers(Path(args.profile), pids, args.seconds) if args.profile else []
    tally, started = Tally(), time.perf_counter()
    stop_at, budget = started + args.seconds, [args.count or 10**9]

    async def desk() -> None:
        while time.perf_counter() < stop_at and budget[0] > 0:
            budget[0] -= 1
            await ctx.desks.register(tally)

    await asyncio.gather(*(desk() for _ in range(args.clients)))
    posted = time.perf_counter()
    seen, at = await wait_visible(ctx.client, ctx.monitoring, ctx.manager, base_visible + tally.accepted, args.drain)
    await wait_quiet(ctx.nats_url, args.drain)
    quiet = time.perf_counter()
    cpu1 = cpu_now(pids)
    events1, (messages1, deliveries1, _) = ctx.stores.events(), await bus_totals(ctx.nats_url)
    for spy in spies:
        spy.wait()
    n = max(tally.accepted, 1)
    accepted_rate = tally.accepted / ((tally.last_accept or posted) - started)
    visible = seen - base_visible
    print(f"\n== load: {args.clients} concurrent desks for {posted - started:.0f} s ==")
    print(f"  accepted          {tally.accepted} complaints, {accepted_rate:.1f}/s")
    print(f"  answers           {dict(sorted(tally.answers.items()))}   5xx: {tally.server_errors}"
          f"   errors: {dict(tally.errors) or 0}")
    for text in tally.refused:
        print(f"  refused           {text}")
    print(f"  POST incl. retries p50 {pct(tally.latencies, 0.5):.0f} ms  p99 {pct(tally.latencies, 0.99):.0f} ms")
    complete = "all" if visible >= tally.accepted else f"ONLY {visible} of {tally.accepted} after {args.drain:.0f} s"
    visible_rate = visible / (at - started)
    print(f"  visible in monitoring as DTKS-checked: {complete}; {visible_rate:.1f} complaints/s "
          f"(first POST -> last visible, {at - started:.1f} s)")
    print(f"  CPU ms per complaint (start of load -> every consumer idle, {quiet - started:.0f} s):")
    total = 0.0
    for name in cpu1:
        ms = (cpu1[name] - cpu0[name]) * 1000 / n
        total += ms if name != "bench client" else 0
        print(f"    {name:<14} {ms:7.1f}")
    print(f"    {'platform total':<14} {total:7.1f}   (bench client not included)")
    appends = {k: (events1[k] - events0.get(k, 0)) / n for k in events1 if events1[k] != events0.get(k, 0)}
    per_complaint = {"appends": sum(appends.values()), "publishes": (messages1 - messages0) / n,
                     "consumes": (deliveries1 - deliveries0) / n}
    print(f"  per complaint: {per_complaint['appends']:.1f} stored events "
          f"({', '.join(f'{k} {v:.1f}' for k, v in sorted(appends.items()))}), "
          f"{per_complaint['publishes']:.1f} messages published, {per_complaint['consumes']:.1f} deliveries consumed")
    if spies:
        print(f"  py-spy samples (raw/collapsed stacks) in {args.profile}/")
    per_complaint.update(accepted_rate=accepted_rate, visible_rate=visible_rate, cpu_ms=total)
    return tally, per_complaint


async def paced(ctx: Context) -> Tally:
    args = ctx.args
    tally, outstanding = Tally(), collections.deque[tuple[str, float]]()
    visible_after: list[float] = []
    lost, posting = [0], [True]

    async def one() -> None:
        got = await ctx.desks.register(tally)
        if got:
            outstanding.append((got[1], time.perf_counter()))

    async def poll() -> None:
        """Oldest first: complaints become visible in the order they were registered, so only the head
        of the queue is asked for; one request at a time keeps the polling's own load small."""
        while posting[0] or outstanding:
            if not outstanding:
                await asyncio.sleep(0.005)
                continue
            receipt, at = outstanding[0]
            try:
                r = await tracking.get(f"/public/track/{receipt}")
                checked = r.status_code == 200 and any("dtks" in s["event"].lower() for s in r.json()["timeline"])
            except TransportError:
                checked = False
            now = time.perf_counter()
            if checked or now - at > args.drain:
                outstanding.popleft()
                if checked:
                    visible_after.append(now - at)
                else:
                    lost[0] += 1
                continue
            await asyncio.sleep(0.01)

    tracking = RawClient(ctx.monitoring, args.timeout)
    poller = asyncio.create_task(poll())
    n = int(args.paced_rate * args.paced_seconds)
    tasks, start = [], time.perf_counter()
    for i in range(n):
        await asyncio.sleep(max(0.0, start + i / args.paced_rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one()))
    sent = time.perf_counter() - start
    await asyncio.gather(*tasks)
    posting[0] = False
    await poller
    tracking.close()
    print(f"\n== paced: {n} complaints at {args.paced_rate:.0f}/s (sent at {n / sent:.0f}/s) ==")
    print(f"  accepted {tally.accepted}; 5xx: {tally.server_errors}; errors: {dict(tally.errors) or 0}")
    print(f"  POST incl. retries          p50 {pct(tally.latencies, 0.5):6.0f} ms   p99 {pct(tally.latencies, 0.99):6.0f} ms")
    print(f"  registered -> visible       p50 {pct(visible_after, 0.5):6.0f} ms   p99 {pct(visible_after, 0.99):6.0f} ms"
          f"   (public tracking shows the DTKS check"
          f"{f'; {lost[0]} not within {args.drain:.0f} s' if lost[0] else ''})")
    return tally


async def run(args: argparse.Namespace, p: Platform, stores: Stores, raw_settings: ServiceSettings) -> None:
    intake, dtks = p.url("intake"), p.url("dtks")
    run_id = uuid.uuid4().hex[:8]
    connections = args.clients + 64
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(timeout=args.timeout, limits=limits) as client:
        async def token(role: str) -> str:
            r = await client.post(f"{intake}/auth/dev-token", json={"sub": f"bench-{role}", "role": role,
                                                                     "region": DISTRICT})
            r.raise_for_status()
            return r.json()["access_token"]

        operator, front_office, manager = await token("dtks_operator"), await token("front_office"), await token("manager")
        people = (await client.get(f"{dtks}/registry/sample?limit=50",
                                   headers={"Authorization": f"Bearer {operator}"})).json()
        desks = Desks(RawClient(intake, args.timeout), front_office, people, run_id, connections - 8)
        ctx = Context(client, p, stores, desks, manager, args)
        warm = Tally()
        await asyncio.gather(*(desks.register(warm) for _ in range(args.warmup)))
        base_visible, _ = await wait_visible(client, ctx.monitoring, manager, warm.accepted, 120)
        await wait_quiet(ctx.nats_url, 60)
        print(f"warm-up: {warm.accepted} complaints, {base_visible} visible as DTKS-checked")
        tally, per_complaint = await load(ctx, base_visible)
        slow = paced(ctx) if args.paced_seconds > 0 else None
        paced_tally = await slow if slow else Tally()
        accepted = warm.markers | tally.markers | paced_tally.markers
        await wait_quiet(ctx.nats_url, args.drain)
        stored = stores.registrations_by_marker(re.compile(rf"bench-{run_id}-\d{{7}}".encode()))
        seen, _ = await wait_visible(client, ctx.monitoring, manager, sum(stored.values()), args.drain)
    duplicates = {m: c for m, c in stored.items() if c > 1}
    never_answered = {m.decode() for m in stored} - accepted
    print("\n== every request ==")
    print(f"  acknowledged {len(accepted)}; stored {sum(stored.values())} complaints for {len(stored)} markers")
    print(f"  duplicates: {len(duplicates)} markers registered more than once ({sum(duplicates.values()) - len(duplicates)} "
          f"extra complaints); stored but never acknowledged: {len(never_answered)}; acknowledged but not stored: "
          f"{len({m.encode() for m in accepted} - set(stored))}")
    print(f"  DTKS-checked in monitoring: {seen} of the {sum(stored.values())} complaints stored"
          f"{'' if seen >= sum(stored.values()) else ' — SOME NEVER BECAME VISIBLE'}")
    bounds = await raw_bounds(raw_settings, p.nats_url, args.raw_complaints, per_complaint)  # type: ignore[arg-type]
    print(f"\n== raw: the same work for {args.raw_complaints} complaints, done directly "
          f"(grouped: {GROUP} complaints per transaction, {WINDOW} publishes in flight) ==")
    for bound in bounds:
        print(bound.line())
    bound = bounds[-1].complaints_per_second
    print(f"  end to end / raw bound: accepted {per_complaint['accepted_rate'] / bound:.1%}, "
          f"visible in monitoring {per_complaint['visible_rate'] / bound:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32, help="concurrent desks in the load phase")
    parser.add_argument("--seconds", type=float, default=30, help="length of the load phase")
    parser.add_argument("--count", type=int, help="stop the load phase after this many complaints")
    parser.add_argument("--paced-rate", type=float, default=100, help="complaints/s of the latency phase")
    parser.add_argument("--paced-seconds", type=float, default=10, help="length of the latency phase (0: none)")
    parser.add_argument("--warmup", type=int, default=20, help="complaints registered before measuring")
    parser.add_argument("--drain", type=float, default=120, help="longest wait for effects after a phase (s)")
    parser.add_argument("--timeout", type=float, default=30, help="HTTP time-out per attempt (s)")
    parser.add_argument("--raw-complaints", type=int, default=200, help="complaints' worth of raw operations")
    parser.add_argument("--postgres", nargs="?", const="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="run the services on PostgreSQL (fresh schemas, dropped afterwards)")
    parser.add_argument("--seed-people", type=int, default=2000, help="synthetic people in the DTKS registry")
    parser.add_argument("--profile", metavar="DIR", help="py-spy record intake, dtks, monitoring, referral during the load")
    parser.add_argument("--keep", action="store_true", help="keep the data directory (and PostgreSQL schemas)")
    args = parser.parse_args()

    if args.profile and not (shutil.which("py-spy") or (Path(sys.executable).parent / "py-spy").exists()):
        raise SystemExit("--profile needs py-spy (not a project dependency): "
                         "uv pip install --python .venv/bin/python py-spy")
    tmp = Path(tempfile.mkdtemp(prefix="slrt-e2e-"))
    env = {"SLRT_DTKS_SEED_PEOPLE": str(args.seed_people)}
    prefix = f"slrtbench_{uuid.uuid4().hex[:8]}"
    raw = ServiceSettings(district=DISTRICT, data_dir=tmp / "raw")
    if args.postgres:
        pg = postgres_args(args.postgres)
        bench_pg = {**pg, "dbname": prefix}
        p: Platform = Platform(tmp / "var", port_base=free_port_block(), nats_port=free_port(), extra_env=env,
                               postgres=postgres_rehearsal(pg, prefix))
        stores = Stores(postgres=bench_pg, prefix="")
        raw = raw.model_copy(update={"persistence": Persistence.POSTGRES, "postgres_host": pg["host"], "postgres_port": pg["port"],
                                     "postgres_user": pg["user"], "postgres_dbname": prefix, "postgres_schema": "raw"})
        backend = (f"PostgreSQL {pg['host']}:{pg['port']}, database and role {prefix} (as `slrt up --postgres`: "
                   "a schema per service, the Kubernetes pool sizes)")
    else:
        p = Platform(tmp / "var", port_base=free_port_block(), nats_port=free_port(), extra_env=env)
        stores = Stores(data_dir=tmp / "var" / "data")
        backend = "embedded default (SQLite files)"
    print(f"e2e_complaints {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}")
    print(f"backend: {backend}; nats-server with fsync on every write; data in {tmp}")
    try:
        p.start()
        if args.postgres:
            create_schema(pg, prefix, "raw")
        # uvloop, as the services run: the client and the raw bound cost what the services' loop costs.
        with asyncio.Runner(loop_factory=fast_loop()) as runner:
            runner.run(run(args, p, stores, raw))
    finally:
        p.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
            if args.postgres:
                drop_postgres(pg, prefix)


if __name__ == "__main__":
    main()
