"""Pytest fixtures shared by every test suite (loaded as a plugin from the root conftest)."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from .natsserver import NatsServerProcess


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


@pytest.fixture
def district() -> str:
    """A district code of its own per test, so tests sharing one server never see each other's
    messages (subjects and durable consumers carry the district)."""
    return f"9{random.randrange(1000):03d}"  # 9xxx is no real province: never a real district
