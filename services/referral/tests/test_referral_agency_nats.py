"""Against a real nats-server: a checked complaint arrives from intake and dtks, is referred to Dinas
Kesehatan, and the agency answers by publishing on its own subject. The answer is applied exactly
once even when it is redelivered (the service died after storing it, before acknowledging) and when
the agency sends it again; answers that are not the agency's to give, or not valid,
go to dead-letter with the reason."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy
from slrt_contracts import Actor, Channel, ComplaintRegistered, ContractEvent, DTKSChecked, Region, Role, encode
from slrt_contracts.events.agency import ReferralAnswerSubmitted
from slrt_contracts.events.intake import ComplaintIdentity
from slrt_contracts.streams import stream_for
from slrt_referral.application import ReferralApplication
from slrt_referral.main import build
from slrt_runtime.consumers import HEADER_DL_REASON
from slrt_runtime.outbox import HEADER_NOTIFICATION_ID, HEADER_UPSTREAM
from slrt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.integration

NOW = dt.datetime.now(dt.timezone.utc)


async def eventually(check: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(check):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def publish_as_upstream(js, event: ContractEvent, upstream: str, notification_id: int) -> None:
    subject, body, headers = encode(event, event_id=str(uuid.uuid4()), time=NOW, extra_headers={
        HEADER_UPSTREAM: upstream, HEADER_NOTIFICATION_ID: str(notification_id)})
    await js.publish(subject, body, headers=headers)


async def publish_as_agency(js, answer: ReferralAnswerSubmitted, *, subject: str | None = None,
                            msg_id: str | None = None) -> None:
    real_subject, body, headers = encode(answer, event_id=msg_id or str(answer.answer_id), time=NOW)
    await js.publish(subject or real_subject, body, headers=headers)


async def messages(js, stream: str, subject: str) -> list:
    """Every message on ``subject`` so far (an ephemeral consumer reading from the start)."""
    sub = await js.pull_subscribe(subject, stream=stream, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
    found = []
    try:
        while True:
            found.extend(await sub.fetch(50, timeout=1.0))
    except (nats.errors.TimeoutError, asyncio.TimeoutError):
        pass
    finally:
        await sub.unsubscribe()
    return found


def answer(referral_id: uuid.UUID, agency: str, **kw: object) -> ReferralAnswerSubmitted:
    return ReferralAnswerSubmitted(district=kw.pop("district"), answer_id=uuid.uuid4(), referral_id=referral_id,
                                   agency=agency, answered_by=f"{agency}-officer-1", answered_at=NOW, **kw)


async def test_agency_answers_on_its_own_subject_exactly_once(nats_url: str, district: str, tmp_path: Path) -> None:
    settings = ServiceSettings(nats_url=nats_url, district=district, data_dir=tmp_path / "data",
                               relay_poll_seconds=0.2, consumer_ack_wait_seconds=5)
    app = ReferralApplication(settings)
    service = build(settings, application=app)
    consumer = next(c for c in service.state.messaging.consumers if c.name == "referral-agency-answers")
    crashed: list[object] = []
    apply_answer = consumer.handle

    def crash_after_the_first_commit(delivery):  # the service dies after storing, before acknowledging
        apply_answer(delivery)
        if not crashed:
            crashed.append(delivery)
            raise RuntimeError("killed after the commit, before the ack")

    consumer.handle = crash_after_the_first_commit
    await service.state.messaging.start()
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        await eventually(service.state.messaging.connected.is_set, what="service connected")
        region = Region(district=district, subdistrict=f"{district}01", village=f"{district}012001")
        complaint_id, receipt = uuid.uuid4(), f"RK-{district}-26-000001"
        await publish_as_upstream(js, ComplaintRegistered(
            district=district, complaint_id=complaint_id, receipt_number=receipt, registered_at=NOW,
            channel=Channel.FRONT_OFFICE, complaint_type="grievance", field="health", region=region,
            recorded_by=Actor(id="fo-1", role=Role.FRONT_OFFICE, region=district),
            identity=ComplaintIdentity(name="Warga Sintetis", consent_to_disclose=False)), "intake", 1)
        await publish_as_upstream(js, DTKSChecked(
            district=district, complaint_id=complaint_id, receipt_number=receipt, checked_at=NOW, status="found",
            programmes=["PKH"], field="health", complaint_type="grievance", region=region), "dtks", 1)

        def referable() -> bool:
            try:
                app._dtks(app._complaint(complaint_id))
            except Exception:  # noqa: BLE001 - not arrived yet
                return False
            return True

        await eventually(referable, what="complaint learnt from intake and dtks")
        back_office = Actor(id="bo-1", role=Role.BACK_OFFICE, region=district)
        manager = Actor(id="mgr-1", role=Role.MANAGER, region=district)
        referral_id = app.propose(complaint_id, "JAMKESDA", "Mohon keringanan biaya", back_office)
        other = app.propose(complaint_id, "PBI-JK", None, back_office)
        app.approve(referral_id, manager)
        app.approve(other, manager)

        # The agency's view of the bus: only what was sent to it, one token below its code.
        await eventually(lambda: app.get_referral(other)["status"] == "sent", what="sent")

        async def agency_sees() -> list[str]:
            return [m.headers["ce-type"] for m in
                    await messages(js, stream_for("referral").name, f"slrt.{district}.referral.dinkes.*")]

        deadline = asyncio.get_running_loop().time() + 30
        while (seen := await agency_sees()) != ["id.slrt.referral.ReferralSent.v1"]:
            assert asyncio.get_running_loop().time() < deadline, seen
            await asyncio.sleep(0.2)

        accept = answer(referral_id, "dinkes", district=district, decision="approved", note="Diproses")
        await publish_as_agency(js, accept)
        # The same answer again after the broker's duplicate window (a new message id): still once.
        await publish_as_agency(js, accept, msg_id=f"{accept.answer_id}-resent")
        # Bpjs answering for Dinkes's referral; a body naming another agency than its subject; a
        # rejection without a reason (not a valid answer at all): all dead-lettered with the reason.
        await publish_as_agency(js, answer(referral_id, "bpjs-kesehatan", district=district, decision="rejected",
                                           reason="bukan kami"))
        await publish_as_agency(js, answer(other, "bpjs-kesehatan", district=district, decision="approved"),
                                subject=f"slrt.{district}.agency.dinkes.referral.answer")
        invalid = json.loads(answer(other, "bpjs-kesehatan", district=district, decision="approved").model_dump_json())
        invalid.update(decision="rejected", reason=None)
        _, _, headers = encode(answer(other, "bpjs-kesehatan", district=district, decision="approved"),
                               event_id=str(uuid.uuid4()), time=NOW)
        await js.publish(f"slrt.{district}.agency.bpjs-kesehatan.referral.answer", json.dumps(invalid).encode(),
                         headers=headers)

        dead = f"slrt.{district}.deadletter.referral-agency-answers"
        while len(reasons := [m.headers[HEADER_DL_REASON] for m in await messages(js, "SLRT_DEADLETTER", dead)]) < 3:
            assert asyncio.get_running_loop().time() < deadline + 30, reasons
            await asyncio.sleep(0.2)
        assert any("addressed to dinkes, not bpjs-kesehatan" in r for r in reasons), reasons
        assert any("came on" in r and "agency.dinkes" in r for r in reasons), reasons
        assert any("rejection needs a reason" in r for r in reasons), reasons

        # Redelivered after the crash, and re-sent: both recognised as applied and acknowledged.
        await eventually(lambda: consumer.processed >= 2, what="both copies of the answer acknowledged")
        assert len(crashed) == 1
        view = app.get_referral(referral_id)
        assert view["status"] == "accepted" and len(view["answers"]) == 1
        assert app.get_referral(other)["status"] == "sent", "nothing changed by the refused answers"

        # Later the agency reports the outcome on the same subject.
        await publish_as_agency(js, answer(referral_id, "dinkes", district=district, outcome="provided",
                                           note="Biaya ditanggung"))
        await eventually(lambda: app.get_referral(referral_id)["status"] == "completed", what="outcome applied")
        # The relay publishes in order: once the outcome is out, every answer before it is too.
        while not await messages(js, stream_for("referral").name, f"slrt.{district}.referral.dinkes.outcome"):
            assert asyncio.get_running_loop().time() < deadline + 60, "outcome not published"
            await asyncio.sleep(0.2)
        answered = await messages(js, stream_for("referral").name, f"slrt.{district}.referral.dinkes.answered")
        assert len(answered) == 1 and json.loads(answered[0].data)["decision"] == "approved"
    finally:
        await nc.close()
        await service.state.messaging.stop()
