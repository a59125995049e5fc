"""The platform as processes for ``bench/e2e_complaints.py``: on SQLite (``slrt_platform.Platform``) or
on PostgreSQL with a schema per service; what monitoring shows of it; CPU time of its processes from ``/proc``; py-spy on them."""

from __future__ import annotations

import asyncio
import os
import platform as host
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from slrt_platform.platform import Platform
from slrt_platform.postgres import PostgresRehearsal

PROFILED = ("intake", "dtks", "monitoring", "referral")


# -- the platform ------------------------------------------------------------------------------------


def postgres_args(url: str) -> dict[str, Any]:
    from psycopg.conninfo import conninfo_to_dict

    args = conninfo_to_dict(url)
    if args.get("host", "127.0.0.1") not in ("127.0.0.1", "localhost"):
        raise SystemExit("--postgres: only a server on 127.0.0.1")
    return {"host": "127.0.0.1", "port": int(args.get("port", 5432)), "user": args.get("user", "postgres"),
            "dbname": args.get("dbname", "postgres"), "password": args.get("password", "")}


def postgres_rehearsal(pg: dict[str, Any], name: str) -> PostgresRehearsal:
    """The platform on PostgreSQL as ``./slrt up --postgres`` and Kubernetes run it (an ordinary role, a
    schema per service, the ConfigMap's pool sizes), in a database and with a role of this run's own."""
    from psycopg.conninfo import make_conninfo

    return PostgresRehearsal(make_conninfo(**{**pg, "dbname": name}), role=name)


def drop_postgres(pg: dict[str, Any], name: str) -> None:
    """Drop the run's database and role (``postgres_rehearsal``)."""
    import psycopg

    with psycopg.connect(**pg, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def create_schema(pg: dict[str, Any], dbname: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(**{**pg, "dbname": dbname}, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')


# -- what monitoring shows ---------------------------------------------------------------------------
async def visible_checked(client: httpx.AsyncClient, monitoring: str, token: str) -> int:
    """Complaints the staff dashboard counts as DTKS-checked (all results)."""
    r = await client.get(f"{monitoring}/dashboard/data", headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    return sum(r.json()["proposals"]["dtks_checks"].values())


async def wait_visible(client: httpx.AsyncClient, monitoring: str, token: str, target: int, timeout: float,
                       every: float = 0.5) -> tuple[int, float]:
    deadline = time.perf_counter() + timeout
    seen = 0
    while time.perf_counter() < deadline:
        try:
            seen = await visible_checked(client, monitoring, token)
        except httpx.HTTPError:
            pass
        if seen >= target:
            break
        await asyncio.sleep(every)
    return seen, time.perf_counter()


# -- CPU from /proc ----------------------------------------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, tree: bool = True) -> float:
    """utime + stime of a process, and with ``tree`` of its reaped children and living descendants."""
    def stat(p: int) -> list[str]:
        with open(f"/proc/{p}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()

    parents: dict[int, int] = {}
    for entry in os.listdir("/proc") if tree else ():
        if entry.isdigit():
            try:
                parents[int(entry)] = int(stat(int(entry))[1])
            except (OSError, IndexError):
                continue
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = stat(p)
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:13])
        if not tree:
            break
        total += sum(int(x) for x in fields[13:15]) if p == pid else 0
        todo += [child for child, parent in parents.items() if parent == p]
    return total / TICK


def processes(p: Platform) -> dict[str, int]:
    pids = {name: s.process.pid for name, s in p.services.items() if s.process is not None}
    if p.nats is not None and p.nats.process is not None:
        pids["nats-server"] = p.nats.process.pid
    return pids


def cpu_now(pids: dict[str, int]) -> dict[str, float]:
    """Every process of the platform with its descendants; the benchmark's own process alone (the
    platform's processes are its children)."""
    return {**{name: cpu_seconds(pid) for name, pid in pids.items()}, "bench client": cpu_seconds(os.getpid(), tree=False)}


def start_profilers(directory: Path, pids: dict[str, int], seconds: float) -> list[subprocess.Popen[bytes]]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    directory.mkdir(parents=True, exist_ok=True)
    return [subprocess.Popen([spy, "record", "--pid", str(pids[name]), "--rate", "100", "--nonblocking", "--gil",
                              "--format", "raw", "-o", str(directory / f"{name}.txt"), "--duration", str(int(seconds))],
                             stdout=subprocess.DEVNULL, stderr=open(directory / f"{name}.log", "wb"))  # noqa: SIM115
            for name in PROFILED]


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), host.machine())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    return f"{host.node()}, {os.cpu_count()} CPUs ({model}), Python {host.python_version()}, commit {commit or '?'}"
