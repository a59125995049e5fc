"""Against a real nats-server: intake consumes the DTKS check, the civil-registry letter and the
referral events as the other services publish them, and publishes its own events (no personal data
beyond ComplaintRegistered's agreed identity block)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import nats
import pytest
from slrt_contracts import (
    Actor,
    ContractEvent,
    DTKSChecked,
    DTKSStatus,
    LetterSigned,
    ReferralSent,
    Region,
    Role,
    decode,
    service_actor,
)
from slrt_contracts.envelope import encode
from slrt_contracts.events import referral as referral_events
from slrt_contracts.events.intake import ComplaintIdentity
from slrt_intake.application import Submission
from slrt_intake.main import build
from slrt_runtime.outbox import HEADER_NOTIFICATION_ID, HEADER_UPSTREAM
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.streams import ensure_streams

pytestmark = pytest.mark.integration

NIK = "1605014107800001"  # synthetic


async def eventually(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(check):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def test_events_from_dtks_letters_and_referral_move_complaints(nats_url: str, district: str, tmp_path: Path) -> None:
    settings = ServiceSettings(nats_url=nats_url, district=district, data_dir=tmp_path / "data", relay_poll_seconds=0.2)
    app = build(settings)
    intake = app.state.application
    messaging = app.state.messaging
    region = Region(district=district, subdistrict=f"{district}01", village=f"{district}012001")
    desk = Actor(id="fo-1", role=Role.FRONT_OFFICE, region=district)
    identity = ComplaintIdentity(nik=NIK, name="Siti Sintetis", complainant_name="Ahmad Sintetis")

    def register(nik: str | None, who: ComplaintIdentity | None) -> uuid.UUID:
        return intake.register_complaint(desk, Submission(
            complaint_type="grievance", field="health", region=region, description="Kartu KIS tidak aktif",
            nik=nik, identity=who)).complaint_id

    def status(cid: uuid.UUID) -> str:
        return intake.load(cid).status.value

    nc = await nats.connect(nats_url)
    published = 0

    async def publish(event: ContractEvent, upstream: str, notification_id: int, msg_id: str | None = None) -> None:
        nonlocal published
        published += 1
        subject, body, headers = encode(event, event_id=msg_id or str(uuid.uuid4()), time=dt.datetime.now(dt.timezone.utc),
                                        extra_headers={HEADER_UPSTREAM: upstream,
                                                       HEADER_NOTIFICATION_ID: str(notification_id)})
        await js.publish(subject, body, headers=headers)

    try:
        js = nc.jetstream()
        await ensure_streams(js, settings)
        seen = await js.subscribe(f"slrt.{district}.intake.>", ordered_consumer=True)
        await messaging.start()
        found_id = await asyncio.to_thread(register, NIK, identity)
        no_nik_id = await asyncio.to_thread(register, None, None)

        def checked(cid: uuid.UUID, dtks_status: DTKSStatus) -> DTKSChecked:
            c = intake.load(cid)
            return DTKSChecked(district=district, complaint_id=cid, receipt_number=c.receipt_number,
                               checked_at=dt.datetime.now(dt.timezone.utc), status=dtks_status, field=c.field,
                               complaint_type=c.complaint_type, region=region)

        await publish(checked(found_id, DTKSStatus.FOUND), "dtks", 1)
        await publish(checked(no_nik_id, DTKSStatus.NO_NIK), "dtks", 2)
        await publish(checked(no_nik_id, DTKSStatus.NO_NIK), "dtks", 2)  # redelivered: one effect only
        await eventually(lambda: status(found_id) == "awaiting_assessment", "DTKS found → assessment")
        await eventually(lambda: status(no_nik_id) == "awaiting_civil_registry", "no NIK → civil registry")

        # Letters signs the Dukcapil recommendation for this complaint: it resumes.
        await publish(LetterSigned(district=district, letter_id=uuid.uuid4(), letter_type="rec-civil-registry",
                                   letter_number="400.9/0001/DINSOS/2026", complaint_id=no_nik_id,
                                   signed_at=dt.datetime.now(dt.timezone.utc),
                                   signed_by=Actor(id="kadin-1", role=Role.KADIN, region=district)), "letters", 1)
        await eventually(lambda: status(no_nik_id) == "awaiting_assessment", "letter → resumed")

        # Assessed and referred; a referral event intake has no use for is only recorded as seen.
        await asyncio.to_thread(intake.assess, found_id, desk)
        c = intake.load(found_id)
        await publish(ReferralSent(district=district, referral_id=uuid.uuid4(), complaint_id=found_id,
                                   receipt_number=c.receipt_number, agency="dinkes", field=c.field,
                                   complaint_type=c.complaint_type, dtks_status=DTKSStatus.FOUND, region=region,
                                   sent_at=dt.datetime.now(dt.timezone.utc),
                                   approved_by=service_actor("referral", district)), "referral", 1)
        other = next((e for e in referral_events.examples() if type(e).__name__ == "ReferralOverdue"), None)
        if other is not None:
            await publish(other.model_copy(update={"district": district}), "referral", 2)
        await eventually(lambda: status(found_id) == "referred", "referral sent → referred")
        consumers = {c.name: c for c in messaging.consumers}
        await eventually(lambda: sum(c.processed for c in consumers.values()) >= published, "all consumed")
        assert all(c.dead_lettered == 0 for c in consumers.values())
        assert len([n for n in intake.load(no_nik_id).notices if n["kind"] == "civil_registry"]) == 1

        # What intake published: the registration carries the identity block; nothing else any personal data.
        types: list[str] = []
        while "ComplaintAssessed" not in types or types.count("ComplaintRegistered") < 2 or "ComplaintResumed" not in types:
            msg = await seen.next_msg(timeout=20)
            event = decode(dict(msg.headers), msg.data)
            types.append(event.event_name)
            body = json.loads(msg.data)
            if event.event_name == "ComplaintRegistered" and event.complaint_id == found_id:
                assert body["identity"]["name"] == "Siti Sintetis" and body["nik"] == NIK
            elif event.event_name != "ComplaintRegistered":
                assert NIK not in msg.data.decode() and "Sintetis" not in msg.data.decode()
        assert types[0] == "ComplaintRegistered"
    finally:
        await messaging.stop()
        await nc.close()


def test_deadlines_survive_a_restart(tmp_path: Path) -> None:
    """The handling deadline is derived from stored events: a new process finds it and escalates."""
    from slrt_intake.application import IntakeApplication
    from slrt_intake.application.deadlines import deadline_book

    settings = ServiceSettings(persistence="sqlite", district="1605", data_dir=tmp_path / "data")
    region = Region(district="1605", subdistrict="160501", village="1605012003")
    puskesos = Actor(id="pk-1", role=Role.PUSKESOS, region=region.village)
    first = IntakeApplication(settings)
    cid = first.register_complaint(puskesos, Submission(complaint_type="grievance", field="health", region=region,
                                                        description="Bantuan BPNT tidak diterima")).complaint_id
    complaint = first.load(cid)
    complaint.record_dtks_check(DTKSStatus.FOUND, programmes=[], household_id=None, prelist_proposal_id=None,
                                assessment_due=first.clock(), civil_registry_due=first.clock())
    first.save(complaint)
    first.assess(cid, puskesos)
    due = first.load(cid).due_at
    deadline_book(first).catch_up()
    assert settings.sqlite_path("intake").exists()  # the store keeps its name (not the subclass name)
    first.close()

    again = IntakeApplication(settings)  # "after the restart"
    book = deadline_book(again)
    assert [d.due_at for d in book.open_deadlines() if d.key.endswith(":handling")] == [due]
    book.fire_due(due + dt.timedelta(seconds=1), again.on_due)
    assert again.load(cid).level == "supervisor"


async def test_the_dtks_service_checks_what_intake_registers(nats_url: str, district: str, tmp_path: Path) -> None:
    """Both services in-process on one nats-server: registered → checked by dtks → awaiting assessment."""
    from slrt_dtks.main import build as build_dtks
    from slrt_dtks.adapters.synthetic import generate, write_csv

    extract = tmp_path / "extract.csv"
    with extract.open("w", encoding="utf-8", newline="") as f:
        write_csv(generate("1605", 5, seed=7), f)
    person = next(generate("1605", 1, seed=7))
    settings = ServiceSettings(nats_url=nats_url, district=district, relay_poll_seconds=0.2)
    intake_app = build(settings.model_copy(update={"data_dir": tmp_path / "intake"}))
    dtks_app = build_dtks(settings.model_copy(update={"data_dir": tmp_path / "dtks"}), seed_people=0)
    dtks_app.state.application.registry.load_csv(extract)
    intake = intake_app.state.application
    region = Region(district=district, subdistrict=f"{district}01", village=f"{district}012001")
    desk = Actor(id="fo-1", role=Role.FRONT_OFFICE, region=district)
    services = (intake_app.state.messaging, dtks_app.state.messaging)
    try:
        for messaging in services:
            await messaging.start()
        found = await asyncio.to_thread(intake.register_complaint, desk, Submission(
            complaint_type="grievance", field="health", region=region, description="KIS tidak aktif", nik=person["nik"]))
        no_nik = await asyncio.to_thread(intake.register_complaint, desk, Submission(
            complaint_type="grievance", field="civil_registry", region=region, description="Belum punya KK"))

        def status(cid: uuid.UUID) -> str:
            return intake.load(cid).status.value

        await eventually(lambda: status(found.complaint_id) == "awaiting_assessment", "checked by dtks: found")
        await eventually(lambda: status(no_nik.complaint_id) == "awaiting_civil_registry", "checked by dtks: no NIK")
        assert intake.load(found.complaint_id).dtks["status"] == "found"
    finally:
        for messaging in services:
            await messaging.stop()
