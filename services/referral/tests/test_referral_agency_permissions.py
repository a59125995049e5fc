"""NATS permissions per agency, against a real nats-server with users: Dinas Kesehatan reads only the
referrals addressed to it (through the durable consumer the referral service provisions) and
publishes only on its own answer subject; the example subscriber works within those rights."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from pathlib import Path

import nats
import pytest
from slrt_contracts import Actor, Region, Role
from slrt_referral.adapters.agency_access import REFERRAL_STREAM, durable_name, ensure_agency_consumers, nats_permissions
from slrt_referral.application import ReferralApplication
from slrt_referral.domain import Complaint
from slrt_referral.main import build
from slrt_runtime.natsserver import free_port, nats_server_binary, wait_for_port
from slrt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.integration

SUBSCRIBER = Path(__file__).resolve().parents[3] / "examples" / "agency_subscriber" / "subscriber.py"
DISTRICT = "1605"
AGENCIES = ("dinkes", "bpjs-kesehatan")


@pytest.fixture
def secured_nats(tmp_path: Path):
    """A nats-server with one user for the platform services and one per agency."""
    port = free_port()
    users = [{"user": "platform", "password": "platform-secret"}]
    users += [{"user": a, "password": f"{a}-secret", "permissions": nats_permissions(a, DISTRICT)} for a in AGENCIES]
    config = tmp_path / "nats.conf"
    config.write_text(f'listen: 127.0.0.1:{port}\njetstream {{ store_dir: "{tmp_path / "js"}" }}\n'
                      f"authorization {{ users: {json.dumps(users)} }}\n")
    process = subprocess.Popen([nats_server_binary(), "-c", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def referable_complaint(app: ReferralApplication) -> uuid.UUID:
    complaint = Complaint(complaint_id=uuid.uuid4(), receipt_number="RK-1605-26-000077",
                          region=Region(district="1605", subdistrict="160501", village="1605012003"),
                          field="health", complaint_type="grievance")
    complaint.register(None, False)
    complaint.check("found", [])
    app.save(complaint)
    return complaint.complaint_id


async def refused(coro) -> bool:
    try:
        await coro
    except Exception:  # noqa: BLE001 - permission violation surfaces as a timeout or an error
        return True
    return False


async def test_agency_reads_and_answers_only_its_own(secured_nats: int, tmp_path: Path) -> None:
    url = f"nats://127.0.0.1:{secured_nats}"
    settings = ServiceSettings(nats_url=f"nats://platform:platform-secret@127.0.0.1:{secured_nats}",
                               district=DISTRICT, data_dir=tmp_path / "data", relay_poll_seconds=0.2)
    app = ReferralApplication(settings)
    service = build(settings, application=app)
    messaging = service.state.messaging
    await messaging.start()
    try:
        for _ in range(200):
            if messaging.connected.is_set():
                break
            await asyncio.sleep(0.1)
        assert await ensure_agency_consumers(messaging.jetstream(), DISTRICT, set(AGENCIES)) == sorted(AGENCIES)
        complaint = referable_complaint(app)
        bo, manager = Actor(id="bo", role=Role.BACK_OFFICE, region="1605"), Actor(id="m", role=Role.MANAGER, region="1605")
        to_dinkes = app.propose(complaint, "JAMKESDA", None, bo)
        to_bpjs = app.propose(complaint, "PBI-JK", None, bo)
        for referral in (to_dinkes, to_bpjs):
            app.approve(referral, manager)

        # The example subscriber, logged in as Dinas Kesehatan, answers its referral.
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(SUBSCRIBER), "--nats", url, "--agency", "dinkes", "--user", "dinkes",
            "--password", "dinkes-secret", "--idle", "4", stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        out = (await asyncio.wait_for(process.communicate(), 120))[0].decode()
        assert process.returncode == 0, out
        assert f"REFERRAL {to_dinkes}" in out and str(to_bpjs) not in out, out
        for _ in range(300):
            if app.get_referral(to_dinkes)["status"] == "accepted":
                break
            await asyncio.sleep(0.1)
        assert app.get_referral(to_dinkes)["status"] == "accepted"

        # Everything else is refused by the server.
        violations: list[str] = []

        async def on_error(e: Exception) -> None:
            violations.append(str(e))

        dinkes = await nats.connect(url, user="dinkes", password="dinkes-secret", inbox_prefix="_INBOX_dinkes",
                                    error_cb=on_error)
        js = dinkes.jetstream(timeout=2)
        try:
            bpjs_durable = durable_name("bpjs-kesehatan", DISTRICT)
            assert await refused(js.consumer_info(REFERRAL_STREAM, bpjs_durable))
            assert await refused(js.pull_subscribe(f"slrt.{DISTRICT}.referral.>", durable="dinkes-sees-all",
                                                   stream=REFERRAL_STREAM))
            assert await refused(js.publish(f"slrt.{DISTRICT}.agency.bpjs-kesehatan.referral.answer", b"{}"))
            await dinkes.subscribe(f"slrt.{DISTRICT}.referral.>")
            await dinkes.flush()
            for _ in range(50):
                if any("ermissions" in v for v in violations):
                    break
                await asyncio.sleep(0.1)
            assert any("ermissions" in v for v in violations), violations
        finally:
            await dinkes.close()
        assert app.get_referral(to_bpjs)["status"] == "sent", "nothing answered for BPJS"
    finally:
        await messaging.stop()
