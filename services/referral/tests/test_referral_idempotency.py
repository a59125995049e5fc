"""A manager's or an agency's retried request acts once (Idempotency-Key)."""

from __future__ import annotations

import uuid


def test_a_retried_approval_answers_the_first_result_instead_of_a_conflict(office) -> None:
    complaint = office.complaint(field="health")
    referral = office.propose(complaint, "JAMKESDA", by=office.as_("back_office")).json()["referral_id"]
    manager = {**office.as_("manager"), "Idempotency-Key": str(uuid.uuid4())}
    first = office.client.post(f"/referrals/{referral}/approve", headers=manager)
    events = office.app.recorder.max_notification_id()
    again = office.client.post(f"/referrals/{referral}/approve", headers=manager)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert office.app.recorder.max_notification_id() == events
    # Without the key, approving twice is the domain's conflict, as before.
    assert office.client.post(f"/referrals/{referral}/approve", headers=office.as_("manager")).status_code == 409


def test_a_retried_proposal_makes_one_referral(office) -> None:
    complaint = office.complaint(field="health")
    headers = {**office.as_("back_office"), "Idempotency-Key": "proposal-1"}
    body = {"complaint_id": str(complaint), "programme": "JAMKESDA", "note": "Mohon bantuan"}
    first = office.client.post("/referrals", json=body, headers=headers)
    again = office.client.post("/referrals", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["referral_id"] == first.json()["referral_id"]
    other = office.client.post("/referrals", json={**body, "programme": "PBI-JK"}, headers=headers)
    assert other.status_code == 409 and other.json()["error"] == "IdempotencyKeyReused"
