"""No log line per message: under load, FastStream's "Received" and "Processed" lines (two per event per
consumer) cost more than the work. The tracked consumers fetch with nats-py themselves and log only
what needs a person (a retry, a dead letter); the broker's own per-message lines stay at DEBUG."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from slrt_contracts.streams import stream_for
from slrt_runtime.consumers import TrackedConsumer
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.testkit import Consumer, Item, Producer, contract_of, eventually, handler_saving_effects, settings_for

pytestmark = pytest.mark.integration


async def test_consuming_writes_no_info_line_per_message(nats_url: str, district: str, tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(tmp_path, nats_url, district, persistence="memory")
    consumer_app = Consumer(settings)
    consumer = TrackedConsumer(name="quiet", stream=stream_for("intake"),
                               subject=f"slrt.{district}.intake.complaint.registered",
                               handle=handler_saving_effects(consumer_app), district=district,
                               batch_scope=consumer_app.batch)
    messaging = ServiceMessaging("consumer", settings)
    messaging.add_consumer(consumer)
    producer = Producer(settings)
    producer_messaging = ServiceMessaging("producer", settings)
    producer_messaging.add_relay(producer, contract_of(district))
    await messaging.start()
    await producer_messaging.start()
    try:
        await eventually(lambda: messaging.connected.is_set() and producer_messaging.connected.is_set(),
                         what="connected")
        with caplog.at_level(logging.DEBUG):
            caplog.clear()
            for n in range(1, 21):
                producer.save(Item(district, n))
            await eventually(lambda: consumer.processed == 20, what="twenty consumed")
    finally:
        await producer_messaging.stop()
        await messaging.stop()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == []
    assert [r.getMessage() for r in caplog.records if r.getMessage() in ("Received", "Processed")] == []
