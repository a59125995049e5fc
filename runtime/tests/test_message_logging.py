"""FastStream logs a "Received" and a "Processed" line for every message: under load that is two log
lines per event per consumer. They are DEBUG lines in a service (SLRT_LOG_LEVEL=DEBUG shows them)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import nats
import pytest
from faststream.nats import NatsBroker
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.integration


class Listener:
    """The smallest consumer ServiceMessaging accepts: it registers one subscriber on the broker."""

    name, processed, dead_lettered = "listener", 0, 0

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.received: list[str] = []

    def register(self, broker: NatsBroker) -> None:
        @broker.subscriber(self.subject)
        async def receive(body: str) -> None:
            self.received.append(body)


async def exchange(url: str, tmp_path: Path, district: str, count: int) -> Listener:
    listener = Listener(f"slrt.{district}.probe.said")
    messaging = ServiceMessaging("probe", ServiceSettings(nats_url=url, district=district, data_dir=tmp_path))
    messaging.add_consumer(listener)  # type: ignore[arg-type]
    await messaging.start()
    nc = await nats.connect(url)
    try:
        await asyncio.wait_for(messaging.connected.wait(), 20)
        for n in range(count):
            await nc.publish(listener.subject, f"hello {n}".encode())
        async with asyncio.timeout(20):
            while len(listener.received) < count:
                await asyncio.sleep(0.05)
    finally:
        await nc.close()
        await messaging.stop()
    return listener


def per_message_lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "slrt.probe.faststream" and r.levelno >= level
            and r.getMessage() in ("Received", "Processed")]


async def test_consuming_writes_no_info_line_per_message(nats_url: str, district: str, tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="slrt.probe.faststream"):
        listener = await exchange(nats_url, tmp_path, district, 3)
    assert len(listener.received) == 3
    assert per_message_lines(caplog, logging.INFO) == []


async def test_the_per_message_lines_are_there_at_debug(nats_url: str, district: str, tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="slrt.probe.faststream"):
        await exchange(nats_url, tmp_path, district, 2)
    assert per_message_lines(caplog, logging.DEBUG).count("Received") == 2
