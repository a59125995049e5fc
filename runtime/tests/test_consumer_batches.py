"""A consumer commits each fetched batch in one transaction (the application's batch scope), against a
real nats-server and a real store: a poison message in the middle of a batch goes to dead-letter with
its reason while the rest commit exactly once, and a batch delivered again has no second effect."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nats
import pytest
from slrt_contracts.envelope import NATS_MSG_ID
from slrt_contracts.streams import stream_for
from slrt_runtime.consumers import Delivery, PermanentFailure, TrackedConsumer
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.testkit import Consumer, Effect, Item, Producer, consume_until, contract_of, eventually, settings_for

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "memory", "postgres"])
def persistence(request: pytest.FixtureRequest) -> str:
    return request.param


def consumer_settings(persistence: str, request: pytest.FixtureRequest, tmp_path: Path, url: str,
                      district: str) -> ServiceSettings:
    base = settings_for(tmp_path, url, district, consumer_ack_wait_seconds=1)
    if persistence != "postgres":
        return base.model_copy(update={"persistence": persistence})
    pg = request.getfixturevalue("postgres_settings")
    return pg.model_copy(update={"nats_url": url, "district": district, "consumer_ack_wait_seconds": 1})


async def five_items_on_the_stream(settings: ServiceSettings, district: str) -> None:
    """Five registrations published by the producer's relay, before the consumer's first fetch."""
    producer_settings = settings.model_copy(update={"persistence": "memory"})
    producer = Producer(producer_settings)
    messaging = ServiceMessaging("producer", producer_settings)
    relay = messaging.add_relay(producer, contract_of(district))
    for n in range(1, 6):
        producer.save(Item(district, n))
    await messaging.start()
    try:
        await eventually(lambda: relay.published == 5, what="five published")
    finally:
        await messaging.stop()


def batch_consumer(app: Consumer, district: str, refused: str | None = None) -> TrackedConsumer:
    def handle(delivery: Delivery) -> None:
        if delivery.event.receipt_number == refused:
            raise PermanentFailure("receipt number withdrawn by the front office")
        app.save_processed(delivery.upstream, delivery.notification_id, Effect(delivery.event.receipt_number))

    return TrackedConsumer(name="test-batches", stream=stream_for("intake"),
                           subject=f"slrt.{district}.intake.complaint.registered", handle=handle,
                           district=district, batch_scope=app.batch, ack_wait_seconds=1)


async def publish_again(url: str, subject: str) -> int:
    """The stream's messages once more under new message ids (a relay re-publishing after the
    broker's duplicate window): the same upstream notifications, delivered a second time."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(subject, stream=stream_for("intake").name)
        msgs = await sub.fetch(100, timeout=5)
        for m in msgs:
            await js.publish(m.subject, m.data, headers={**m.headers, NATS_MSG_ID: f"again-{m.headers[NATS_MSG_ID]}"})
            await m.ack()
        await sub.unsubscribe()
        return len(msgs)
    finally:
        await nc.close()


async def test_poison_in_a_batch_is_dead_lettered_and_the_rest_commit_once(
    persistence: str, request: pytest.FixtureRequest, nats_url: str, district: str, tmp_path: Path
) -> None:
    settings = consumer_settings(persistence, request, tmp_path, nats_url, district)
    await five_items_on_the_stream(settings, district)
    app = Consumer(settings)
    consumer = batch_consumer(app, district, refused="R-3")
    nc = await nats.connect(nats_url)
    try:
        dead = await nc.jetstream().subscribe(f"slrt.{district}.deadletter.>", ordered_consumer=True)
        await consume_until(consumer, settings, lambda: consumer.processed == 4 and consumer.dead_lettered == 1)
        letter = await dead.next_msg(timeout=5)
        assert letter.headers["slrt-dead-letter-reason"] == "PermanentFailure: receipt number withdrawn by the front office"
    finally:
        await nc.close()
    assert consumer.batches_split == 1, "the five came as one batch, which failed as a whole and was split"
    assert len(app.effects()) == 4 and not any('"R-3"' in e for e in app.effects())

    # The four good ones once more (the refused one is refused again): nothing new is saved.
    assert await publish_again(nats_url, f"slrt.{district}.intake.complaint.registered") == 5
    await consume_until(consumer, settings, lambda: consumer.processed == 8 and consumer.dead_lettered == 2)
    assert len(app.effects()) == 4


async def test_batch_committed_but_not_acknowledged_has_no_second_effect(
    persistence: str, request: pytest.FixtureRequest, nats_url: str, district: str, tmp_path: Path
) -> None:
    settings = consumer_settings(persistence, request, tmp_path, nats_url, district)
    await five_items_on_the_stream(settings, district)
    app = Consumer(settings)
    consumer = batch_consumer(app, district)
    commits = 0

    @contextmanager
    def commit_then_die() -> Iterator[None]:
        nonlocal commits
        with app.batch():
            yield
        commits += 1
        if commits == 1:
            raise asyncio.CancelledError  # the consumer stops between the commit and the acks

    consumer.batch_scope = commit_then_die
    messaging = ServiceMessaging("consumer", settings)
    messaging.add_consumer(consumer)
    await messaging.start()
    try:
        await eventually(lambda: commits == 1 and all(t.done() for t in messaging._tasks), what="the commit")
    finally:
        await messaging.stop()
    assert consumer.processed == 0 and len(app.effects()) == 5
    await consume_until(consumer, settings, lambda: consumer.processed == 5)  # delivered again after ack_wait
    assert len(app.effects()) == 5
