"""Monitoring read model: exactly-once updates, public tracking without personal data, summaries."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from slrt_contracts import Actor, ComplaintRegistered, DTKSChecked, ReferralSent, Region, Role
from slrt_monitoring.main import build
from slrt_runtime.consumers import Delivery
from slrt_runtime.settings import ServiceSettings

REGION = Region(district="1605", subdistrict="160501", village="1605012003")
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)
FO = Actor(id="fo-1", role=Role.FRONT_OFFICE, region="1605")


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(build(ServiceSettings(district="1605", data_dir=tmp_path), with_messaging=False))


def registered(complaint_id: uuid.UUID, receipt: str = "RK-1605-26-000001") -> ComplaintRegistered:
    return ComplaintRegistered(
        district="1605", complaint_id=complaint_id, receipt_number=receipt, registered_at=NOW,
        channel="front_office", complaint_type="grievance", field="health", region=REGION,
        nik="1605014107800001", recorded_by=FO)


def test_tracking_shows_each_step_in_plain_indonesian_without_personal_data(client: TestClient) -> None:
    view = client.app.state.view
    cid = uuid.uuid4()
    view.apply(Delivery("intake", 1, registered(cid)), "intake:1")
    view.apply(Delivery("dtks", 1, DTKSChecked(
        district="1605", complaint_id=cid, receipt_number="RK-1605-26-000001", checked_at=NOW + dt.timedelta(minutes=1),
        status="found", programmes=["PKH"], field="health", complaint_type="grievance", region=REGION)), "dtks:1")
    view.apply(Delivery("referral", 1, ReferralSent(
        district="1605", referral_id=uuid.uuid4(), complaint_id=cid, receipt_number="RK-1605-26-000001",
        agency="dinkes", field="health", complaint_type="grievance", dtks_status="found", region=REGION,
        sent_at=NOW + dt.timedelta(minutes=5), approved_by=FO)), "referral:1")
    r = client.get("/public/track/RK-1605-26-000001")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "referred"
    assert [s["event"] for s in body["timeline"]] == ["ComplaintRegistered", "DTKSChecked", "ReferralSent"]
    assert "Dinas Kesehatan" in body["timeline"][2]["label"]
    assert "1605014107800001" not in r.text and "fo-1" not in r.text


def test_redelivered_event_changes_nothing(client: TestClient) -> None:
    view = client.app.state.view
    cid = uuid.uuid4()
    assert view.apply(Delivery("intake", 1, registered(cid)), "intake:1")
    assert not view.apply(Delivery("intake", 1, registered(cid)), "intake:1")
    assert len(client.get("/public/track/RK-1605-26-000001").json()["timeline"]) == 1


def test_events_arriving_before_the_registration_are_kept(client: TestClient) -> None:
    view = client.app.state.view
    cid = uuid.uuid4()
    view.apply(Delivery("dtks", 1, DTKSChecked(
        district="1605", complaint_id=cid, receipt_number="RK-1605-26-000001", checked_at=NOW + dt.timedelta(minutes=1),
        status="no_nik", field="health", complaint_type="grievance", region=REGION)), "dtks:1")
    view.apply(Delivery("intake", 1, registered(cid)), "intake:1")
    body = client.get("/public/track/RK-1605-26-000001").json()
    assert body["status"] == "dtks_checked"
    assert [s["event"] for s in body["timeline"]] == ["ComplaintRegistered", "DTKSChecked"]


def test_summary_counts_for_staff_only(client: TestClient) -> None:
    view = client.app.state.view
    for n in range(3):
        view.apply(Delivery("intake", n + 1, registered(uuid.uuid4(), f"RK-1605-26-00000{n + 1}")), f"intake:{n}")
    assert client.get("/summary").status_code == 401
    token = client.post("/auth/dev-token", json={"sub": "m", "role": "manager", "region": "1605"}).json()
    summary = client.get("/summary", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert summary["status"] == {"registered": 3}
    assert summary["village"] == {"1605012003": 3}
    assert client.get("/public/track/RK-1605-26-999999").status_code == 404
    assert client.get("/public/track/RK-NOPE").status_code == 422  # cannot be a receipt number: not looked up
