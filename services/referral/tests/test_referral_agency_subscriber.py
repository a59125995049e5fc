"""The example agency subscriber (examples/agency_subscriber) against a real nats-server and the
referral service: it reads the referral sent to its agency, accepts it and reports the outcome by
publishing on its own subject; its durable consumer resumes without answering anything twice."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path

import pytest
from slrt_contracts import Actor, Role
from slrt_referral.application import ReferralApplication
from slrt_referral.domain import Complaint
from slrt_referral.main import build
from slrt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.integration

SUBSCRIBER = Path(__file__).resolve().parents[3] / "examples" / "agency_subscriber" / "subscriber.py"


def known_complaint(app: ReferralApplication, district: str) -> uuid.UUID:
    """A registered, DTKS-checked complaint (as the consumers record it from intake and dtks)."""
    from slrt_contracts import Region

    complaint = Complaint(complaint_id=uuid.uuid4(), receipt_number=f"RK-{district}-26-000042",
                          region=Region(district=district, subdistrict=f"{district}01", village=f"{district}012001"),
                          field="health", complaint_type="grievance")
    complaint.register(identity=None, consent_to_disclose=False)
    complaint.check("found", ["PKH"])
    app.save(complaint)
    return complaint.complaint_id


async def run_subscriber(nats_url: str, district: str, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(SUBSCRIBER), "--nats", nats_url, "--district", district, "--agency", "dinkes",
        "--idle", "4", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, out.decode()
    return out.decode()


async def test_example_subscriber_accepts_and_reports_the_outcome(nats_url: str, district: str,
                                                                  tmp_path: Path) -> None:
    settings = ServiceSettings(nats_url=nats_url, district=district, data_dir=tmp_path / "data",
                               relay_poll_seconds=0.2)
    app = ReferralApplication(settings)
    service = build(settings, application=app)
    await service.state.messaging.start()
    try:
        complaint_id = known_complaint(app, district)
        back_office = Actor(id="bo-1", role=Role.BACK_OFFICE, region=district)
        referral_id = app.propose(complaint_id, "JAMKESDA", "Mohon keringanan biaya", back_office)
        app.propose(complaint_id, "JAMPERSAL", None, back_office)  # also dinkes, but not approved
        app.approve(referral_id, Actor(id="mgr-1", role=Role.MANAGER, region=district))
        relay = service.state.messaging.relays[0]
        deadline = asyncio.get_running_loop().time() + 30
        while relay.published < 3:  # two proposals and the sent referral are on the bus
            assert asyncio.get_running_loop().time() < deadline, "relay did not publish"
            await asyncio.sleep(0.1)

        out = await run_subscriber(nats_url, district, "--decision", "approved", "--outcome", "provided",
                                   "--note", "Biaya ditanggung")
        assert f"REFERRAL {referral_id} receipt RK-{district}-26-000042 programme JAMKESDA" in out, out
        assert "identity withheld" in out and out.count("REFERRAL ") == 1, "only the approved referral"
        assert f"ANSWERED {referral_id}: approved on slrt.{district}.agency.dinkes.referral.answer" in out, out

        deadline = asyncio.get_running_loop().time() + 30
        while app.get_referral(referral_id)["status"] != "completed":
            assert asyncio.get_running_loop().time() < deadline, app.get_referral(referral_id)["status"]
            await asyncio.sleep(0.1)
        assert app.get_referral(referral_id)["outcome"]["note"] == "Biaya ditanggung"

        # Started again, the durable consumer continues after what it acknowledged: nothing re-answered.
        again = await run_subscriber(nats_url, district, "--decision", "rejected")
        assert "ANSWERED" not in again and "REFERRAL " not in again, again
        assert len(app.get_referral(referral_id)["answers"]) == 1
    finally:
        await service.state.messaging.stop()
