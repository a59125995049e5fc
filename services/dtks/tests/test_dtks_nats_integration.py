"""Against a real nats-server: a ComplaintRegistered on intake's stream becomes exactly one
DTKSChecked on ``slrt.<district>.dtks.complaint.checked``, however often it is delivered."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import nats
import pytest
from slrt_contracts import DTKSStatus, decode
from slrt_contracts.envelope import NATS_MSG_ID, encode
from slrt_contracts.streams import stream_for
from slrt_dtks.main import build
from slrt_dtks.adapters.synthetic import generate
from slrt_runtime.outbox import HEADER_NOTIFICATION_ID, HEADER_UPSTREAM
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.streams import ensure_streams
from slrt_runtime.testkit import eventually

pytestmark = pytest.mark.integration


async def test_complaint_is_checked_once_and_published(
    nats_url: str, district: str, tmp_path: Path, extract_csv: Path, make_complaint: Callable
) -> None:
    settings = ServiceSettings(nats_url=nats_url, district=district, data_dir=tmp_path / "data",
                               relay_poll_seconds=0.2)
    app = build(settings, seed_people=0)
    application = app.state.application
    application.registry.load_csv(extract_csv)
    person = next(generate("1605", 1, seed=7))  # a registered 1605 NIK; complaint is in the test district
    complaint = make_complaint(district=district, nik=person["nik"], receipt=f"RK-{district}-25-000001")
    subject, body, headers = encode(complaint, event_id=str(uuid.uuid4()), time=complaint.registered_at,
                                    extra_headers={HEADER_UPSTREAM: "intake", HEADER_NOTIFICATION_ID: "1"})
    checked_subject = f"slrt.{district}.dtks.complaint.checked"

    nc = await nats.connect(nats_url)
    messaging = app.state.messaging
    try:
        js = nc.jetstream()
        await ensure_streams(js, settings)
        checked = await js.subscribe(checked_subject, ordered_consumer=True)
        await js.publish(subject, body, headers=headers)
        await messaging.start()
        (consumer,) = messaging.consumers

        msg = await checked.next_msg(timeout=20)
        event = decode(dict(msg.headers), msg.data)
        assert event.status is DTKSStatus.FOUND
        assert event.complaint_id == complaint.complaint_id
        assert event.programmes == person["programmes"].split(",")
        assert event.registry_version == application.registry.current_version()
        assert person["nik"] not in msg.data.decode() and "nik" not in json.loads(msg.data)

        # JetStream itself drops an identical re-publish (same Nats-Msg-Id) ...
        assert (await js.publish(subject, body, headers=headers)).duplicate
        # ... so to reach the consumer, a redelivery beyond the duplicate window and a replay
        # of the same complaint under a new notification id:
        await js.publish(subject, body, headers={**headers, NATS_MSG_ID: f"{headers[NATS_MSG_ID]}-again"})
        await js.publish(subject, body, headers={**headers, NATS_MSG_ID: f"{headers[NATS_MSG_ID]}-replay",
                                                 HEADER_NOTIFICATION_ID: "2"})
        await eventually(lambda: consumer.processed == 3, what="all three deliveries acknowledged")
        await asyncio.sleep(0.5)  # give a wrongly made second check time to be relayed
        assert consumer.dead_lettered == 0
        assert len(application.recorder.select_notifications(1, 100)) == 1
        info = await js.stream_info(stream_for("dtks").name, subjects_filter=checked_subject)
        assert sum((info.state.subjects or {}).values()) == 1
        with pytest.raises(nats.errors.TimeoutError):
            await checked.next_msg(timeout=0.5)
    finally:
        await messaging.stop()
        await nc.close()
