"""Against a real nats-server: a registry import is announced as counts, and a complaint about
someone not in DTKS yields DTKSChecked with the prelist proposal dtks raised — nothing personal on the bus."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

import nats
import pytest
from slrt_contracts import DTKSChecked, DTKSStatus, decode
from slrt_contracts.envelope import encode
from slrt_contracts.events.dtks import PrelistProposed, RegistryVersionActivated
from slrt_contracts.events.intake import ComplaintIdentity
from slrt_dtks.main import build
from slrt_runtime.outbox import HEADER_NOTIFICATION_ID, HEADER_UPSTREAM
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.streams import ensure_streams

pytestmark = pytest.mark.integration

NEWCOMER = ComplaintIdentity(nik="1605035203880007", name="Wati Anggraini", sex="F", birth_date="1988-03-12",
                             address="Jl. Kebun Karet No. 4")


async def test_version_and_prelist_events_reach_the_bus_without_personal_data(
        nats_url: str, district: str, tmp_path: Path, extract_csv: Path, make_complaint: Callable) -> None:
    settings = ServiceSettings(nats_url=nats_url, district=district, data_dir=tmp_path / "data", relay_poll_seconds=0.2)
    app = build(settings, seed_people=0)
    application = app.state.application
    report = application.import_extract(extract_csv)
    complaint = make_complaint(district=district, nik=NEWCOMER.nik, receipt=f"RK-{district}-25-000001")
    complaint = complaint.model_copy(update={"identity": NEWCOMER})
    subject, body, headers = encode(complaint, event_id=str(uuid.uuid4()), time=complaint.registered_at,
                                    extra_headers={HEADER_UPSTREAM: "intake", HEADER_NOTIFICATION_ID: "1"})
    nc = await nats.connect(nats_url)
    messaging = app.state.messaging
    try:
        js = nc.jetstream()
        await ensure_streams(js, settings)
        everything = await js.subscribe(f"slrt.{district}.dtks.>", ordered_consumer=True)
        await js.publish(subject, body, headers=headers)
        await messaging.start()
        received = {}
        while len(received) < 3:
            msg = await everything.next_msg(timeout=20)
            text = msg.data.decode()
            assert NEWCOMER.nik not in text and "Wati" not in text and "Kebun" not in text
            event = decode(dict(msg.headers), msg.data)
            received[type(event)] = (msg.subject, event)
        subject_of, activated = received[RegistryVersionActivated]
        assert subject_of == f"slrt.{district}.dtks.registry.activated"
        assert activated.registry_version == report.version and activated.rows == 300 and activated.added == 300
        _, checked = received[DTKSChecked]
        subject_of, proposed = received[PrelistProposed]
        assert checked.status is DTKSStatus.NOT_FOUND and checked.prelist_proposal_id == proposed.proposal_id
        assert subject_of == f"slrt.{district}.dtks.prelist.proposed"
        assert proposed.complaint_id == complaint.complaint_id and proposed.region == complaint.region
        await asyncio.sleep(0.3)
        with pytest.raises(nats.errors.TimeoutError):  # nothing else, nothing twice
            await everything.next_msg(timeout=0.5)
    finally:
        await messaging.stop()
        await nc.close()
