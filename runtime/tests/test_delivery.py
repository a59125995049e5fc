"""Delivery guarantees against a real nats-server: de-duplication, redelivery after a crash,
out-of-order redelivery, and the outbox catching up after NATS was down."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import nats
import pytest
from eventsourcing.popo import POPOTrackingRecorder
from slrt_contracts import ComplaintRegistered
from slrt_contracts.streams import stream_for
from slrt_runtime.consumers import Delivery, TrackedConsumer
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.outbox import HEADER_NOTIFICATION_ID, HEADER_UPSTREAM, OutboxRelay
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.streams import ensure_streams
from slrt_runtime.testkit import (Consumer, Effect, Item, Producer, contract_of, eventually,
                                  handler_saving_effects, settings_for)

pytestmark = pytest.mark.integration


async def stream_messages(url: str, subject: str) -> int:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info(stream_for("intake").name, subjects_filter=subject)
        return sum((info.state.subjects or {}).values())
    finally:
        await nc.close()


async def test_republished_event_is_deduplicated(nats_url: str, district: str, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, nats_url, district)
    messaging = ServiceMessaging("producer", settings)
    app = Producer(settings)
    relay = messaging.add_relay(app, contract_of(district))
    app.save(Item(district, 1))
    await messaging.start()
    try:
        await eventually(lambda: relay.published == 1, what="first publish")
        # A relay that lost its position (crash before recording it) publishes the same event again.
        amnesiac = OutboxRelay(app, contract_of(district), messaging.jetstream, position=POPOTrackingRecorder())
        assert await amnesiac.publish_batch() == 1
        assert amnesiac.published == 1
        assert await stream_messages(nats_url, f"slrt.{district}.intake.complaint.registered") == 1
    finally:
        await messaging.stop()


def consumer_for(app: Consumer, district: str, handle: Callable[[Delivery], None], **kw: object) -> TrackedConsumer:
    return TrackedConsumer(
        name="test-consumer", stream=stream_for("intake"),
        subject=f"slrt.{district}.intake.complaint.registered", handle=handle, district=district, **kw,
    )


CRASHING_CONSUMER = """
import asyncio, os, sys
from pathlib import Path
from eventsourcing.domain import Aggregate, event
from slrt_contracts.streams import stream_for
from slrt_runtime.consumers import TrackedConsumer
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.settings import ServiceSettings

class Effect(Aggregate):
    @event("Happened")
    def __init__(self, receipt: str) -> None:
        self.receipt = receipt

class Consumer(ServiceApplication):
    name = "Consumer"

url, district, data_dir = sys.argv[1:4]
settings = ServiceSettings(nats_url=url, district=district, data_dir=Path(data_dir))
app = Consumer(settings)

def commit_then_die(delivery):
    app.save_processed(delivery.upstream, delivery.notification_id, Effect(delivery.event.receipt_number))
    os._exit(17)  # killed after the commit, before the ack

async def main():
    messaging = ServiceMessaging("consumer", settings)
    messaging.add_consumer(TrackedConsumer(
        name="test-consumer", stream=stream_for("intake"),
        subject=f"slrt.{district}.intake.complaint.registered", handle=commit_then_die,
        district=district, ack_wait_seconds=1.0))
    await messaging.start()
    await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_consumer_killed_before_ack_gets_message_again_without_second_effect(
    nats_url: str, district: str, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, nats_url, district)
    producer_messaging = ServiceMessaging("producer", settings)
    producer = Producer(settings)
    producer_messaging.add_relay(producer, contract_of(district))
    producer.save(Item(district, 1))
    await producer_messaging.start()
    try:
        script = tmp_path / "crashing_consumer.py"
        script.write_text(CRASHING_CONSUMER)
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(script), nats_url, district, str(settings.data_dir))
        assert await asyncio.wait_for(process.wait(), 60) == 17, "consumer should die right after its commit"

        consumer_app = Consumer(settings)  # the same store the dead process committed to
        assert len(consumer_app.effects()) == 1
        survivor = consumer_for(consumer_app, district, handler_saving_effects(consumer_app), ack_wait_seconds=1.0)
        messaging = ServiceMessaging("consumer", settings)
        messaging.add_consumer(survivor)
        await messaging.start()
        await eventually(lambda: survivor.processed >= 1, what="redelivery acknowledged")
        await messaging.stop()
        assert len(consumer_app.effects()) == 1
    finally:
        await producer_messaging.stop()


async def test_out_of_order_redelivery_takes_effect_exactly_once(nats_url: str, district: str, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, nats_url, district)
    producer_messaging = ServiceMessaging("producer", settings)
    producer = Producer(settings)
    producer_messaging.add_relay(producer, contract_of(district))
    for n in (1, 2, 3):
        producer.save(Item(district, n))

    consumer_app = Consumer(settings)
    attempts: dict[str, int] = {}
    order: list[str] = []

    def fail_first_delivery_of_r1(delivery: Delivery) -> None:
        receipt = delivery.event.receipt_number
        attempts[receipt] = attempts.get(receipt, 0) + 1
        if receipt == "R-1" and attempts[receipt] == 1:
            raise TimeoutError("database busy")  # transient: nak, redelivered after
        handler_saving_effects(consumer_app)(delivery)
        order.append(receipt)

    messaging = ServiceMessaging("consumer", settings)
    consumer = consumer_for(consumer_app, district, fail_first_delivery_of_r1)
    messaging.add_consumer(consumer)
    await messaging.start()
    await producer_messaging.start()
    try:
        await eventually(lambda: consumer.processed == 3, what="all three processed")
    finally:
        await messaging.stop()
        await producer_messaging.stop()
    assert order[0] != "R-1", "R-1 should have been redelivered after a later message was processed"
    assert sorted(order) == ["R-1", "R-2", "R-3"]
    assert len(consumer_app.effects()) == 3


def test_single_row_tracking_would_lose_the_late_message(tmp_path: Path) -> None:
    """Why we use multi-row tracking: with the library default, id 4 after id 5 is refused."""
    settings = ServiceSettings(data_dir=tmp_path)
    app = Consumer(settings)
    assert app.save_processed("intake", 5, Effect("R-5"))
    assert app.save_processed("intake", 4, Effect("R-4"))  # single-row tracking raises/refuses here
    assert not app.save_processed("intake", 4, Effect("R-4"))  # exact duplicate: no effect
    assert len(app.effects()) == 2


async def test_relay_catches_up_after_nats_was_stopped(private_nats, district: str, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, private_nats.url, district)
    messaging = ServiceMessaging("producer", settings)
    app = Producer(settings)
    relay = messaging.add_relay(app, contract_of(district))
    await messaging.start()
    try:
        app.save(Item(district, 1))
        await eventually(lambda: relay.published == 1, what="publish while NATS is up")
        private_nats.stop()
        for n in range(2, 12):  # commands keep succeeding while NATS is down
            app.save(Item(district, n))
        await asyncio.sleep(1.0)
        assert relay.published == 1
        private_nats.start()
        await eventually(lambda: relay.published == 11, timeout=30, what="relay catching up")
    finally:
        await messaging.stop()
    assert await stream_messages(private_nats.url, f"slrt.{district}.intake.complaint.registered") == 11


async def test_poison_message_goes_to_dead_letter_and_consumer_keeps_going(
    nats_url: str, district: str, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, nats_url, district)
    consumer_app = Consumer(settings)
    consumer = consumer_for(consumer_app, district, handler_saving_effects(consumer_app))
    messaging = ServiceMessaging("consumer", settings)
    messaging.add_consumer(consumer)
    producer_messaging = ServiceMessaging("producer", settings)
    producer = Producer(settings)
    producer_messaging.add_relay(producer, contract_of(district))
    await messaging.start()
    await messaging.connected.wait()
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        dl = await js.subscribe(f"slrt.{district}.deadletter.>", ordered_consumer=True)
        subject = f"slrt.{district}.intake.complaint.registered"
        await js.publish(subject, b"{not json", headers={
            "ce-id": str(uuid.uuid4()), "ce-type": ComplaintRegistered.ce_type(),
            HEADER_UPSTREAM: "producer", HEADER_NOTIFICATION_ID: "999"})
        producer.save(Item(district, 7))
        await producer_messaging.start()
        await eventually(lambda: consumer.processed == 1 and consumer.dead_lettered == 1, what="both handled")
        dead = await dl.next_msg(timeout=5)
        assert "not JSON" in dead.headers["slrt-dead-letter-reason"]
        assert len(consumer_app.effects()) == 1
    finally:
        await nc.close()
        await messaging.stop()
        await producer_messaging.stop()


async def test_events_are_republished_after_the_broker_lost_its_stream(private_nats, district: str,
                                                                      tmp_path: Path) -> None:
    settings = settings_for(tmp_path, private_nats.url, district)
    messaging = ServiceMessaging("producer", settings)
    app = Producer(settings)
    relay = messaging.add_relay(app, contract_of(district))
    await messaging.start()
    subject = f"slrt.{district}.intake.complaint.registered"
    try:
        for n in range(1, 6):
            app.save(Item(district, n))
        await eventually(lambda: relay.published == 5, what="first publication")
        nc = await nats.connect(private_nats.url)
        try:  # the broker's copy is gone, as on a new cluster (its de-duplication memory with it)
            await nc.jetstream().delete_stream(stream_for("intake").name)
            await ensure_streams(nc.jetstream(), settings)
        finally:
            await nc.close()
        assert await stream_messages(private_nats.url, subject) == 0
        assert await relay.republish(3) == 3  # from position 3 on: events 3, 4, 5
        assert await stream_messages(private_nats.url, subject) == 3
        assert await relay.republish(1) == 5  # again from the start: 3-5 de-duplicated by their ids
        assert await stream_messages(private_nats.url, subject) == 5
    finally:
        await messaging.stop()
