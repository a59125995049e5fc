"""Against a real nats-server and a real SQLite read model: a fetched batch is applied in one
transaction; a registration monitoring refuses goes to dead-letter with the reason while the rest of
its batch is applied once; the same registrations delivered again change nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nats
import pytest
from slrt_monitoring.entrypoints.messaging import consumers
from slrt_monitoring.application.readmodel import ReadModels
from slrt_monitoring.adapters.synthetic import T0, VILLAGE_A, History, cid, publish, region
from slrt_runtime.consumers import Delivery, PermanentFailure, TrackedConsumer
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.testkit import consume_until, eventually

pytestmark = pytest.mark.integration

REFUSED = 3  # the third registration of the five


def five_registrations(district: str) -> History:
    h = History(district)
    for n in range(1, 6):
        h.add("ComplaintRegistered", complaint_id=cid(n), receipt_number=f"RK-{district}-26-{n:06d}",
              registered_at=T0 + dt.timedelta(hours=n), region=region(VILLAGE_A, district), nik=None, identity=None)
    return h


def intake_consumer(models: ReadModels, settings: ServiceSettings) -> TrackedConsumer:
    consumer = next(c for c in consumers(models, settings) if c.name == "monitoring-intake")
    apply = consumer.handle

    def refusing_one(delivery: Delivery) -> object:
        if delivery.event.receipt_number.endswith(f"{REFUSED:06d}"):
            raise PermanentFailure("a registration this read model cannot take")
        return apply(delivery)

    consumer.handle = refusing_one
    return consumer


def applied(models: ReadModels) -> list[int]:
    return sorted(n for upstream, n in models.store.dump()["tracking"] if upstream == "intake")


def complaints_counted(models: ReadModels) -> int:
    with models.store.transaction(commit=False) as c:
        return c.execute("SELECT COALESCE(SUM(n), 0) FROM {p}counts_sub WHERE metric='complaints'").fetchone()[0]


async def test_refused_message_is_dead_lettered_and_the_rest_of_its_batch_applied_once(
    nats_url: str, district: str, tmp_path: Path
) -> None:
    settings = ServiceSettings(district=district, nats_url=nats_url, data_dir=tmp_path)
    history = five_registrations(district)
    messages = history.messages()
    await publish(nats_url, settings, messages)  # all five there before the consumer's first fetch
    models = ReadModels(settings)
    consumer = intake_consumer(models, settings)
    nc = await nats.connect(nats_url)
    try:
        dead = await nc.jetstream().subscribe(f"slrt.{district}.deadletter.>", ordered_consumer=True)
        await consume_until(consumer, settings, lambda: consumer.processed == 4 and consumer.dead_lettered == 1,
                            service="monitoring")
        letter = await dead.next_msg(timeout=5)
        assert letter.headers["slrt-dead-letter-reason"] == \
            "PermanentFailure: a registration this read model cannot take"
        assert letter.headers["slrt-notification-id"] == str(REFUSED)
    finally:
        await nc.close()
    assert consumer.batches_split == 1, "the five came as one batch, which failed and was split"
    assert applied(models) == [1, 2, 4, 5]
    assert complaints_counted(models) == 4
    before = models.store.dump()

    # The same registrations delivered again (a relay re-publishing after the duplicate window): no effect.
    # (Message ids unique to this test: the stream and its duplicate window are shared by the session.)
    again = [(s, b, {**h, "Nats-Msg-Id": f"again-{h['Nats-Msg-Id']}"})
             for i, (s, b, h) in enumerate(messages) if i != REFUSED - 1]
    await publish(nats_url, settings, again)
    await consume_until(consumer, settings, lambda: consumer.processed == 8, service="monitoring")
    assert consumer.batches_split == 1, "a batch of already applied events commits as a batch"
    assert models.store.dump() == before
    models.close()


async def test_batch_committed_but_not_acknowledged_is_applied_once_when_delivered_again(
    nats_url: str, district: str, tmp_path: Path
) -> None:
    settings = ServiceSettings(district=district, nats_url=nats_url, data_dir=tmp_path, consumer_ack_wait_seconds=1)
    history = five_registrations(district)
    await publish(nats_url, settings, history.messages())
    models = ReadModels(settings)
    consumer = next(c for c in consumers(models, settings) if c.name == "monitoring-intake")
    commits = 0

    @contextmanager
    def commit_then_lose_the_acks() -> Iterator[None]:
        nonlocal commits
        with models.batch():
            yield
        commits += 1
        if commits == 1:  # as if the process died between the commit and the acks
            raise asyncio.CancelledError

    consumer.batch_scope = commit_then_lose_the_acks
    messaging = ServiceMessaging("monitoring", settings)
    messaging.add_consumer(consumer)
    await messaging.start()
    try:  # the fetch loop ends with the "process"
        await eventually(lambda: commits == 1 and all(t.done() for t in messaging._tasks), what="the first commit")
    finally:
        await messaging.stop()
    assert consumer.processed == 0 and applied(models) == [1, 2, 3, 4, 5]
    # A new process: JetStream delivers them again.
    await consume_until(consumer, settings, lambda: consumer.processed == 5, service="monitoring")
    assert commits == 2, "the second delivery came as a batch again"
    assert applied(models) == [1, 2, 3, 4, 5]
    assert complaints_counted(models) == 5
    models.close()
