"""`slrt up` keeps what it started running: nats-server killed with SIGKILL comes back with a line in
the launcher's output, every service is ready again and a complaint registered afterwards reaches
monitoring through NATS; Ctrl-C then stops everything. A child that keeps crashing is restarted at a
bounded pace."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from slrt_platform.platform import SERVICES, Platform, Restarts, free_port_block
from slrt_runtime.natsserver import free_port
from slrt_runtime.testing import wait_for


class Launcher:
    """``slrt up`` as a process of its own, with its output collected line by line."""

    def __init__(self, var: Path) -> None:
        self.port_base, self.nats_port = free_port_block(), free_port()
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "slrt"), "up", "--var", str(var), "--port-base", str(self.port_base),
             "--nats-port", str(self.nats_port)],
            env={**os.environ, "SLRT_DTKS_SEED_PEOPLE": "50"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port_base + 1 + SERVICES.index(service)}"

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def children(self, command: str | None = None) -> list[int]:
        """Pids of the launcher's child processes (running ``command``)."""
        pids = []
        for entry in Path("/proc").iterdir():
            try:
                stat = (entry / "stat").read_text()
            except (OSError, ValueError):
                continue
            name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
            if command in (None, name) and int(rest[1]) == self.process.pid:
                pids.append(int(entry.name))
        return pids

    def interrupt(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    up = Launcher(tmp_path / "var")
    try:
        wait_for(lambda: up.lines, lambda _: up.said("Press Ctrl-C to stop") or up.process.poll() is not None,
                 timeout=180, what="slrt up to start")
        assert up.said("Press Ctrl-C to stop"), "\n".join(up.lines)
        yield up
    finally:
        up.interrupt()


def every_service_ready(up: Launcher, timeout: float) -> None:
    for service in SERVICES:
        wait_for(lambda s=service: httpx.get(f"{up.url(s)}/readyz", timeout=2),
                 lambda r: r.status_code == 200, timeout=timeout, what=f"{service} ready")


@pytest.mark.e2e
def test_a_killed_nats_server_is_restarted_and_complaints_still_flow(launcher: Launcher) -> None:
    every_service_ready(launcher, timeout=60)
    [nats] = launcher.children("nats-server")

    os.kill(nats, signal.SIGKILL)

    wait_for(lambda: launcher.lines, lambda _: launcher.said("slrt: nats-server restarted"), timeout=30,
             what="the launcher to restart nats-server")
    assert launcher.said("slrt: nats-server exited unexpectedly (exit code -9)")
    [restarted] = launcher.children("nats-server")
    assert restarted != nats
    every_service_ready(launcher, timeout=60)

    intake = launcher.url("intake")
    token = httpx.post(f"{intake}/auth/dev-token", json={"sub": "fo-1", "role": "front_office", "region": "1605"})
    r = httpx.post(f"{intake}/complaints", headers={"Authorization": f"Bearer {token.json()['access_token']}"},
                   json={"complaint_type": "question", "field": "social", "description": "Kapan PKH cair?",
                         "region": {"district": "1605", "subdistrict": "160501", "village": "1605012003"}})
    assert r.status_code == 201, r.text
    receipt = r.json()["receipt_number"]
    wait_for(lambda: httpx.get(f"{launcher.url('monitoring')}/public/track/{receipt}"),
             lambda t: t.status_code == 200, timeout=60, what="the complaint in monitoring")

    children = launcher.children()
    assert len(children) == 1 + len(SERVICES) + 1  # nats-server, the five services, the web application
    started = time.monotonic()
    assert launcher.interrupt() == 0
    assert time.monotonic() - started < 30
    assert launcher.said("Stopped.")
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]  # none left behind
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{intake}/healthz", timeout=2)


def test_a_child_that_keeps_crashing_is_restarted_ever_later_up_to_one_start_in_thirty_seconds() -> None:
    pace = Restarts(started_at=0.0)
    now, delays = 0.0, []
    for _ in range(9):  # crashes right after every start
        delays.append(pace.exited(now))
        now = pace.due_at
        pace.started(now)
    assert delays == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    assert pace.exited(now + 61) == 0.5  # it ran for a minute: a fresh crash, restarted quickly


class Crashing:
    """A child process stand-in that has exited with code 1 until it is started."""

    def __init__(self) -> None:
        self.starts = 0
        self.process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])
        self.process.wait()
        self.log_path = Path("intake.log")

    def alive(self) -> bool:
        return self.process.poll() is None

    def start(self) -> None:
        self.starts += 1
        self.process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])


def test_the_launcher_says_when_a_service_exits_and_restarts_it_after_the_back_off(tmp_path: Path) -> None:
    platform = Platform(tmp_path)
    intake = Crashing()
    platform.services["intake"] = intake  # type: ignore[assignment]
    lines: list[str] = []
    try:
        platform.supervise_once(lines.append)
        assert lines == ["slrt: intake exited unexpectedly (exit code 1); restarting in 0.5s (log: intake.log)"]
        platform.supervise_once(lines.append)
        assert intake.starts == 0  # not before the back-off
        time.sleep(0.6)
        platform.supervise_once(lines.append)
        assert intake.starts == 1 and intake.alive() and lines[-1] == "slrt: intake restarted"

        intake.process.kill()
        intake.process.wait()
        stopping = threading.Event()
        stopping.set()
        platform.supervise_once(lines.append, stopping)  # Ctrl-C: what exits now was asked to
        assert len(lines) == 2
    finally:
        intake.process.kill()
        intake.process.wait()
