"""Referral as the business process: a checked complaint is routed, approved, sent and answered."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from fastapi.testclient import TestClient
from slrt_contracts import Actor, DTKSChecked, Region, Role
from slrt_referral.main import build
from slrt_runtime.consumers import Delivery
from slrt_runtime.settings import ServiceSettings

REGION = Region(district="1605", subdistrict="160501", village="1605012001")


def checked(field: str = "health") -> DTKSChecked:
    return DTKSChecked(
        district="1605", complaint_id=uuid.uuid4(), receipt_number="RK-1605-26-000001",
        checked_at=dt.datetime.now(dt.timezone.utc), status="found", household_id="HH-1",
        programmes=["PKH", "PBI-JK"], field=field, complaint_type="grievance", region=REGION,
    )


@pytest.fixture
def client() -> TestClient:
    return TestClient(build(ServiceSettings(persistence="memory", district="1605"), with_messaging=False))


def auth(client: TestClient, role: str, **claims: str) -> dict[str, str]:
    body = {"sub": f"{role}-1", "role": role, "region": "1605", **claims}
    return {"Authorization": "Bearer " + client.post("/auth/dev-token", json=body).json()["access_token"]}


def deliver(client: TestClient, event: DTKSChecked, notification_id: int = 1) -> None:
    client.app.state.application.on_complaint_checked(Delivery("dtks", notification_id, event))


def test_checked_complaint_is_routed_to_the_agency_of_its_field(client: TestClient) -> None:
    event = checked("education")
    deliver(client, event)
    view = client.get(f"/referrals/by-complaint/{event.complaint_id}", headers=auth(client, "manager")).json()
    assert view["agency"] == "disdik"
    assert view["status"] == "awaiting_approval"


def test_redelivered_check_creates_no_second_referral(client: TestClient) -> None:
    event = checked()
    deliver(client, event, 7)
    deliver(client, event, 7)
    app = client.app.state.application
    assert app.recorder.max_notification_id() == 1


def test_manager_approves_then_agency_answers(client: TestClient) -> None:
    event = checked("health")
    deliver(client, event)
    referral_id = client.get(f"/referrals/by-complaint/{event.complaint_id}",
                             headers=auth(client, "manager")).json()["referral_id"]
    dinkes = auth(client, "agency", agency="dinkes")
    # The agency cannot answer (or even see) a referral that was not sent yet.
    assert client.post(f"/referrals/{referral_id}/answer", json={"decision": "approved"},
                       headers=dinkes).status_code == 409
    assert client.post(f"/referrals/{referral_id}/approve", headers=auth(client, "front_office")).status_code == 403
    r = client.post(f"/referrals/{referral_id}/approve", headers=auth(client, "manager"))
    assert r.status_code == 200 and r.json()["status"] == "sent"
    assert client.post(f"/referrals/{referral_id}/approve", headers=auth(client, "manager")).status_code == 409
    # Another agency may not answer for Dinas Kesehatan.
    assert client.post(f"/referrals/{referral_id}/answer", json={"decision": "approved"},
                       headers=auth(client, "agency", agency="disdik")).status_code == 403
    # A rejection needs a reason.
    assert client.post(f"/referrals/{referral_id}/answer", json={"decision": "rejected"},
                       headers=dinkes).status_code == 422
    r = client.post(f"/referrals/{referral_id}/answer", json={"decision": "further_review"}, headers=dinkes)
    assert r.json()["status"] == "under_review"
    r = client.post(f"/referrals/{referral_id}/answer", json={"decision": "approved"}, headers=dinkes)
    assert r.json()["status"] == "approved"
    assert client.post(f"/referrals/{referral_id}/answer", json={"decision": "approved"},
                       headers=dinkes).status_code == 409


def test_sent_and_answered_become_contract_events_on_the_agency_subject(client: TestClient) -> None:
    from slrt_referral.messaging import to_contract

    event = checked("civil_registry")
    deliver(client, event)
    app = client.app.state.application
    referral_id = app.get_referral_for_complaint(event.complaint_id)["referral_id"]
    app.approve(referral_id, Actor(id="m", role=Role.MANAGER, region="1605"))
    app.answer(referral_id, "rejected", "Sudah terdaftar di program lain", Actor(
        id="a", role=Role.AGENCY, region="1605", agency="dukcapil"))
    contracts = [to_contract(app.mapper.to_domain_event(n), app) for n in app.recorder.select_notifications(1, 10)]
    public = [c for c in contracts if c is not None]
    assert [c.event_name for c in public] == ["ReferralSent", "ReferralAnswered"]
    assert public[0].subject() == "slrt.1605.referral.dukcapil.sent"
    assert public[1].subject() == "slrt.1605.referral.dukcapil.answered"
    assert public[1].decision == "rejected"
