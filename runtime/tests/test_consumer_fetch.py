"""The consumers' own fetch (a pull request per batch, the messages gathered by a subscription
callback) against a real nats-server: it returns as soon as messages exist, keeps going across a
restart of the server, and creates its durable consumer again when someone deleted it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig
from slrt_contracts.streams import stream_for
from slrt_runtime.consumers import TrackedConsumer, _Puller
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.streams import ensure_streams
from slrt_runtime.testkit import Consumer, Item, Producer, contract_of, eventually, handler_saving_effects, settings_for

pytestmark = pytest.mark.integration


async def test_fetch_answers_as_soon_as_messages_exist_and_at_most_a_batch(nats_url: str, district: str,
                                                                           tmp_path: Path) -> None:
    settings = settings_for(tmp_path, nats_url, district)
    subject = f"slrt.{district}.intake.complaint.registered"
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await ensure_streams(js, settings)
        stream = stream_for("intake").name
        puller = await _Puller.start(js, stream, f"fetch-{district}", subject,
                                     ConsumerConfig(durable_name=f"fetch-{district}", ack_policy=AckPolicy.EXPLICIT))
        start = time.monotonic()
        assert await puller.fetch(10, 0.5) == []  # nothing there: the request expires
        assert time.monotonic() - start >= 0.4

        async def publish_later() -> None:
            await asyncio.sleep(0.3)
            for n in range(25):
                await js.publish(subject, str(n).encode())

        publisher = asyncio.create_task(publish_later())
        start = time.monotonic()
        first = await puller.fetch(10, 5.0)
        assert 1 <= len(first) <= 10 and time.monotonic() - start < 2.0, "answered when the first came"
        await publisher
        got = list(first)
        while len(got) < 25:
            batch = await puller.fetch(10, 2.0)
            assert batch and len(batch) <= 10
            got += batch
        assert [m.data for m in got] == [str(n).encode() for n in range(25)]
        for m in got:
            await m.ack()
        assert await puller.fetch(10, 0.3) == []
        await puller.unsubscribe()
    finally:
        await nc.close()


async def test_consumer_keeps_consuming_across_a_nats_restart_and_a_deleted_durable(
    private_nats, district: str, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, private_nats.url, district).model_copy(update={"persistence": "memory"})
    producer, app = Producer(settings), Consumer(settings)
    producing = ServiceMessaging("producer", settings)
    producing.add_relay(producer, contract_of(district))
    consumer = TrackedConsumer(name="fetch-restart", stream=stream_for("intake"),
                               subject=f"slrt.{district}.intake.complaint.registered",
                               handle=handler_saving_effects(app), district=district, fetch_seconds=0.5,
                               batch_scope=app.batch)
    consuming = ServiceMessaging("consumer", settings)
    consuming.add_consumer(consumer)
    await producing.start()
    await consuming.start()
    try:
        producer.save(Item(district, 1))
        await eventually(lambda: consumer.processed == 1, what="the first message")
        private_nats.restart()
        producer.save(Item(district, 2))
        await eventually(lambda: consumer.processed == 2, what="a message after the restart", timeout=30)

        nc = await nats.connect(private_nats.url)
        try:
            await nc.jetstream().delete_consumer(stream_for("intake").name, consumer.durable)
        finally:
            await nc.close()
        producer.save(Item(district, 3))
        # Created again (from the start of the stream): 1 and 2 come again and are only recognised.
        await eventually(lambda: consumer.processed >= 5, what="the durable created again", timeout=30)
    finally:
        await consuming.stop()
        await producing.stop()
    assert len(app.effects()) == 3, "each message took effect once"
