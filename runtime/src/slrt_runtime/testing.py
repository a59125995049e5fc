"""Pytest fixtures shared by every test suite (loaded as a plugin from the root conftest)."""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .natsserver import NatsServerProcess
from .settings import ServiceSettings

POSTGRES_HOST = os.environ.get("SLRT_TEST_POSTGRES_HOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("SLRT_TEST_POSTGRES_PORT", "5432"))
POSTGRES_USER = os.environ.get("SLRT_TEST_POSTGRES_USER", "postgres")
POSTGRES_DBNAME = os.environ.get("SLRT_TEST_POSTGRES_DBNAME", "postgres")


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServerProcess | None]:
    """A real nats-server of our own on a free port (``None`` when ``NATS_URL`` points at one)."""
    if os.environ.get("NATS_URL"):
        yield None
        return
    server = NatsServerProcess(tmp_path_factory.mktemp("nats") / "jetstream").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def nats_url(nats_server: NatsServerProcess | None) -> str:
    return os.environ["NATS_URL"] if nats_server is None else nats_server.url


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[NatsServerProcess]:
    """A nats-server this test alone may stop and restart."""
    server = NatsServerProcess(tmp_path / "nats-store").start()
    yield server
    server.stop()


_districts_used: set[str] = set()


@pytest.fixture
def district() -> str:
    """A district code of its own per test, so tests sharing one server never see each other's
    messages (subjects and durable consumers carry the district). Never the same twice in a session:
    a rebuild replays a district's whole stream, and another test's events under the same code
    would be read as its own."""
    while True:
        code = f"9{random.randrange(1000):03d}"  # 9xxx is no real province: never a real district
        if code not in _districts_used:
            _districts_used.add(code)
            return code


@pytest.fixture
def postgres_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServiceSettings]:
    """Settings for a real PostgreSQL server (SLRT_TEST_POSTGRES_* or 127.0.0.1:5432 as postgres)
    with a schema of this test's own, dropped afterwards; skips with the reason when unreachable."""
    import psycopg

    try:
        conn = psycopg.connect(host=POSTGRES_HOST, port=POSTGRES_PORT, user=POSTGRES_USER, dbname=POSTGRES_DBNAME,
                               connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as e:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_HOST}:{POSTGRES_PORT} ({e.__class__.__name__})")
    schema = f"slrt_test_{uuid.uuid4().hex[:10]}"
    conn.execute(f'CREATE SCHEMA "{schema}"')
    # Every connection the test opens carries the schema's name (libpq reads PGAPPNAME), so those
    # its applications leave in their pools are closed afterwards: a suite must not use up the server.
    monkeypatch.setenv("PGAPPNAME", schema)
    try:
        yield ServiceSettings(persistence="postgres", postgres_host=POSTGRES_HOST, postgres_port=POSTGRES_PORT,
                              postgres_user=POSTGRES_USER, postgres_dbname=POSTGRES_DBNAME, postgres_schema=schema,
                              data_dir=tmp_path / "data")
    finally:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", (schema,))
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()


def wait_for(fetch: Callable[[], Any], ok: Callable[[Any], bool], timeout: float = 30.0, what: str = "") -> Any:
    """Poll ``fetch()`` until ``ok`` holds for its answer (connection errors count as not yet)."""
    import httpx

    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fetch()
            if ok(last):
                return last
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last: {last}")


class PostgresServerLog:
    """What the local PostgreSQL server logs from now on (Debian's log files), for tests that check a
    run left no ERROR there; ``readable`` is False where the files cannot be read (then no lines)."""

    DIRECTORY = Path(os.environ.get("SLRT_TEST_POSTGRES_LOG_DIR", "/var/log/postgresql"))

    def __init__(self) -> None:
        self.readable = os.access(self.DIRECTORY, os.R_OK)
        self.offsets = {f: f.stat().st_size for f in self.DIRECTORY.glob("*.log")} if self.readable else {}

    def lines(self) -> list[str]:
        lines: list[str] = []
        for path, offset in self.offsets.items():
            with path.open("rb") as f:
                f.seek(offset)
                lines += f.read().decode(errors="replace").splitlines()
        return lines
