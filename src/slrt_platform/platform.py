"""The whole platform as local processes: embedded nats-server plus one process per service.

Used by ``slrt up`` and by the end-to-end tests, so both run exactly the same way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from slrt_runtime.natsserver import NatsServerProcess

SERVICES = ("intake", "dtks", "referral", "letters", "monitoring")
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
class Platform:
    var_dir: Path
    nats_url: str | None = None  # None: start the embedded nats-server
    nats_port: int = 4322
    port_base: int = 8000
    district: str = "1605"
    extra_env: dict[str, str] = field(default_factory=dict)
    nats: NatsServerProcess | None = None
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    def start(self) -> None:
        self.var_dir = self.var_dir.resolve()
        (self.var_dir / "log").mkdir(parents=True, exist_ok=True)
        if self.nats_url is None:
            self.nats = NatsServerProcess(self.var_dir / "nats", port=self.nats_port,
                                          log_file=self.var_dir / "log" / "nats.log").start()
            self.nats_url = self.nats.url
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
            }
            self.services[name] = ServiceProcess(name, port_of[name], env,
                                                 self.var_dir / "log" / f"{name}.log")
        for service in self.services.values():
            service.start()
        for service in self.services.values():
            service.wait_healthy()

    def url(self, service: str) -> str:
        return self.services[service].url

    def restart(self, service: str) -> None:
        self.services[service].stop()
        self.services[service].start()
        self.services[service].wait_healthy()

    def stop(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()
        if self.nats is not None:
            self.nats.stop()
