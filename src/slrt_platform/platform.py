"""The whole platform as local processes: embedded nats-server plus one process per service.

Used by ``slrt up`` and by the end-to-end tests, so both run exactly the same way.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from slrt_runtime.natsserver import NatsServerProcess, free_port

from .postgres import PostgresRehearsal

SERVICES = ("intake", "dtks", "referral", "letters", "monitoring")
NATS = "nats-server"


def free_port_block(size: int = 6) -> int:
    """A port base whose next ``size - 1`` ports are free: for a platform of its own (tests, benchmarks)."""
    for _ in range(50):
        base = random.randrange(20000, 60000)
        try:
            for port in range(base, base + size):  # the base itself: the web application
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free block of ports")
WEB = "web"  # the application for people: a backend-for-frontend of the five, on the port base itself


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"slrt_{self.name}"], env=self.env, stdout=log, stderr=log,
            start_new_session=True,  # Ctrl-C reaches the launcher only; it stops children in order
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not healthy after {timeout}s; see {self.log_path}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, as in a crash or a power cut."""
        self.stop(signal.SIGKILL)


@dataclass
class Restarts:
    """The pace of restarts of one child: the first after ``first`` seconds, each further one twice as
    late, at most ``longest`` apart (a child that keeps crashing costs one start per ``longest``); a child
    that stayed up ``stable_after`` seconds is restarted quickly again."""

    first: float = 0.5
    longest: float = 30.0
    stable_after: float = 60.0
    failures: int = 0
    started_at: float = field(default_factory=time.monotonic)
    due_at: float | None = None  # when the pending restart is due (monotonic); None: none pending

    def exited(self, now: float) -> float:
        if now - self.started_at >= self.stable_after:
            self.failures = 0
        delay = min(self.longest, self.first * 2**self.failures)
        self.failures += 1
        self.due_at = now + delay
        return delay

    def started(self, now: float) -> None:
        self.started_at, self.due_at = now, None


@dataclass
class Platform:
    var_dir: Path
    nats_url: str | None = None  # None: start the embedded nats-server
    nats_port: int = 4322
    port_base: int = 8000
    district: str = "1605"
    extra_env: dict[str, str] = field(default_factory=dict)
    postgres: PostgresRehearsal | None = None  # None: SQLite files under var_dir (the embedded default)
    _database_env: dict[str, str] = field(default_factory=dict, repr=False)
    nats: NatsServerProcess | None = None
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    restarts: dict[str, Restarts] = field(default_factory=dict)

    def start(self) -> None:
        self.var_dir = self.var_dir.resolve()
        (self.var_dir / "log").mkdir(parents=True, exist_ok=True)
        if self.nats_url is None:
            self.nats = NatsServerProcess(self.var_dir / "nats", port=self.nats_port, own_session=True,
                                          log_file=self.var_dir / "log" / "nats.log").start()
            self.nats_url = self.nats.url
        self._database_env = self.postgres.prepare() if self.postgres is not None else {}
        port_of = {name: self.port_base + offset for offset, name in enumerate(SERVICES, start=1)}
        port_of[WEB] = self.port_base
        for name in (*SERVICES, WEB):
            env = {
                **os.environ,
                "SLRT_DISTRICT": self.district,
                "SLRT_NATS_URL": self.nats_url,
                "SLRT_PERSISTENCE": "sqlite",
                "SLRT_DATA_DIR": str(self.var_dir / "data"),
                "SLRT_HTTP_HOST": "127.0.0.1",
                "SLRT_HTTP_PORT": str(port_of[name]),
                "SLRT_DTKS_URL": f"http://127.0.0.1:{port_of['dtks']}",
                "SLRT_PUBLIC_TRACKING_URL": f"http://127.0.0.1:{port_of['monitoring']}/public/track/{{receipt_number}}",
                "SLRT_PUBLIC_VERIFICATION_URL": f"http://127.0.0.1:{port_of['letters']}/public/verify/{{letter_id}}",
                "SLRT_DTKS_SEED_PEOPLE": os.environ.get("SLRT_DTKS_SEED_PEOPLE", "2000"),
                **{f"SLRT_{service.upper()}_URL": f"http://127.0.0.1:{port_of[service]}" for service in SERVICES},
                **self.extra_env,
                **self.service_env(name),
            }
            self.services[name] = self.service_process(name, port_of[name], env, self.var_dir / "log" / f"{name}.log")
        for service in self.services.values():
            service.start()
        for service in self.services.values():
            service.wait_healthy()

    def service_process(self, name: str, port: int, env: dict[str, str], log_path: Path) -> ServiceProcess:
        """How one service runs: a Python process of this environment (tests/test_images.py: its image)."""
        return ServiceProcess(name, port, env, log_path)

    def service_env(self, name: str) -> dict[str, str]:
        """Settings of one process on top of the shared ones: on PostgreSQL, the database as
        Kubernetes gives it to the service (its schema, the app role, the pool sizes)."""
        if self.postgres is None or name not in SERVICES:
            return {}
        return {**self._database_env, **self.postgres.service_env(name)}

    def url(self, service: str) -> str:
        return self.services[service].url

    def restart(self, service: str) -> None:
        self.services[service].stop()
        self.services[service].start()
        self.services[service].wait_healthy()

    def supervise(self, stop: threading.Event, log: Callable[[str], None], interval: float = 0.5) -> None:
        """Restart whatever exits unexpectedly (nats-server and the services), each at the pace of its
        :class:`Restarts`, with a line in ``log`` for each exit and each restart; until ``stop`` is set."""
        while not stop.wait(interval):
            self.supervise_once(log, stop)

    def supervise_once(self, log: Callable[[str], None], stop: threading.Event | None = None) -> None:
        children: list[tuple[str, Any, Path | None]] = []
        if self.nats is not None:
            children.append((NATS, self.nats, self.nats.log_file))
        children += [(name, s, s.log_path) for name, s in self.services.items()]
        for name, child, log_path in children:
            if stop is not None and stop.is_set():
                return  # stopping: whatever exits now was asked to
            pace = self.restarts.setdefault(name, Restarts())
            now = time.monotonic()
            if child.alive():
                continue
            if pace.due_at is None:
                code = child.process.returncode if child.process is not None else None
                delay = pace.exited(now)
                log(f"slrt: {name} exited unexpectedly (exit code {code}); restarting in {delay:.1f}s"
                    f" (log: {log_path})")
            elif now >= pace.due_at:
                try:
                    child.start()
                except Exception as e:  # noqa: BLE001 - e.g. the port still taken: try again later
                    delay = pace.exited(now)
                    log(f"slrt: {name} could not be restarted ({e}); next attempt in {delay:.1f}s")
                    continue
                pace.started(now)
                log(f"slrt: {name} restarted")

    def stop(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()
        if self.nats is not None:
            self.nats.stop()


@contextmanager
def running_platform(var_dir: Path, *, seed_people: int = 300, ack_wait_seconds: int = 5,
                     postgres: PostgresRehearsal | None = None, kind: type[Platform] = Platform) -> Iterator[Platform]:
    """A platform of its own on free ports (tests): started, and stopped afterwards whatever happens.
    A short ack wait lets a killed consumer's messages come back within a test's patience."""
    platform = kind(var_dir, port_base=free_port_block(), nats_port=free_port(), postgres=postgres,
                        extra_env={"SLRT_DTKS_SEED_PEOPLE": str(seed_people),
                                   "SLRT_CONSUMER_ACK_WAIT_SECONDS": str(ack_wait_seconds)})
    try:
        platform.start()
        yield platform
    finally:
        platform.stop()
