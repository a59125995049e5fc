"""Against a real nats-server and real read models (SQLite, PostgreSQL): live consumers far behind catch
up through the catch-up decoder and writer processes, batch by batch, to exactly the read models a direct
projection of the same events gives; a message that does not decode in such a batch is dead-lettered with its reason and the rest of
the batch applied once."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import nats
import pytest
from slrt_contracts.envelope import encode
from slrt_monitoring.adapters.bulk import bulk
from slrt_monitoring.adapters.store import SQLiteStore
from slrt_monitoring.adapters.synthetic import publish
from slrt_monitoring.application.readmodel import ReadModels
from slrt_monitoring.entrypoints.messaging import CATCH_UP_BATCH, TolerantConsumer, consumers
from slrt_monitoring.projections.engine import Projector
from slrt_runtime.outbox import HEADER_NOTIFICATION_ID, HEADER_UPSTREAM
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.testkit import consume_until

pytestmark = pytest.mark.integration

T = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
EVENTS = 3 * CATCH_UP_BATCH  # registrations: the intake consumer starts three batches behind
POISON = CATCH_UP_BATCH + 400  # a notification id inside the first large batch


async def test_consumers_far_behind_catch_up_through_the_catch_up_processes_to_the_same_read_models(
    settings: ServiceSettings, nats_url: str, district: str, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"district": district, "nats_url": nats_url, "data_dir": tmp_path / "live"})
    deliveries = list(bulk(district, EVENTS, only_registrations=True))
    messages = []
    for d in deliveries:
        subject, body, headers = encode(d.event, event_id=str(uuid.uuid4()), time=T, extra_headers={
            HEADER_UPSTREAM: d.upstream, HEADER_NOTIFICATION_ID: str(d.notification_id)})
        if d.notification_id == POISON:
            body = body.replace(b'"receipt_number":"', b'"receipt_number":1,"x":"')  # valid JSON, not the contract
        messages.append((subject, body, headers))
    await publish(nats_url, settings, messages)

    models = ReadModels(settings)
    intake = next(c for c in consumers(models, settings) if c.name == "monitoring-intake")
    assert isinstance(intake, TolerantConsumer)
    nc = await nats.connect(nats_url)
    try:
        dead = await nc.jetstream().subscribe(f"slrt.{district}.deadletter.>", ordered_consumer=True)
        await consume_until(intake, settings, lambda: intake.processed + intake.dead_lettered == len(deliveries),
                            service="monitoring")
        letter = await dead.next_msg(timeout=5)
        assert letter.headers[HEADER_NOTIFICATION_ID] == str(POISON)
        assert letter.headers["slrt-dead-letter-reason"].startswith("EnvelopeError: ")
    finally:
        await nc.close()
    assert intake.dead_lettered == 1
    # Its batch went the ordinary way, which refuses it when parsing and applies the rest together.
    assert intake.batches_split == 0
    assert intake.caught_up >= CATCH_UP_BATCH, "the other large batches went through the catch-up processes"

    reference = SQLiteStore(tmp_path / "reference.sqlite")
    Projector(reference).apply_batch([d for d in deliveries if d.notification_id != POISON])
    assert models.store.dump() == reference.dump()
    models.close()
    reference.close()
