"""The referral's audit trail: every step, who took it and when, for those who may read the referral."""

from __future__ import annotations


def test_the_history_lists_every_step_with_who_and_when_and_no_personal_data(office, clock) -> None:
    complaint = office.complaint(consent=True, name="Jejak Sintetis")
    manager, dinkes = office.as_("manager"), office.as_("agency", agency="dinkes")
    referral = office.propose(complaint, "JAMKESDA", note="Biaya rawat inap").json()["referral_id"]
    office.post(referral, "approve", manager)
    office.post(referral, "answer", dinkes, decision="further_review")
    office.post(referral, "answer", dinkes, decision="approved")
    office.post(referral, "outcome", dinkes, outcome="provided", note="Biaya ditanggung")

    r = office.get(f"/referrals/{referral}/history", office.as_("back_office"))
    assert r.status_code == 200, r.text
    steps = r.json()
    assert [s["step"] for s in steps] == ["proposed", "approved", "answered", "answered", "outcome_reported"]
    proposed, approved, review, accepted, outcome = steps
    assert proposed["by"]["role"] == "back_office" and proposed["details"]["programme"] == "JAMKESDA"
    assert proposed["details"]["note"] == "Biaya rawat inap" and proposed["details"]["agency_level"] == "district"
    assert approved["by"]["role"] == "manager" and approved["details"]["answer_due_at"]
    assert approved["details"]["personal_data_basis"] == "consent"
    assert review["by"] == {"id": "dinkes-1605", "role": "agency", "region": "1605", "agency": "dinkes"}
    assert review["details"]["decision"] == "further_review" and review["details"]["answer_due_at"]
    assert "answer_due_at" not in accepted["details"]  # a final answer stops the clock
    assert outcome["details"] == {"outcome": "provided", "note": "Biaya ditanggung"}
    assert all(s["at"] for s in steps)
    # The identity stays with the complaint: the trail never carries it, not even with consent.
    assert "Jejak Sintetis" not in r.text and "1605014107800001" not in r.text

    # The addressed agency reads it too; another agency and another region's staff do not.
    assert office.get(f"/referrals/{referral}/history", dinkes).status_code == 200
    assert office.get(f"/referrals/{referral}/history", office.as_("agency", agency="dinsos")).status_code == 403
    assert office.get(f"/referrals/{referral}/history", office.as_("puskesos", "1605022003")).status_code == 403


def test_declined_revoked_and_overdue_steps_carry_their_reason_and_due_time(office, clock) -> None:
    import datetime as dt

    complaint = office.complaint()
    manager = office.as_("manager")
    declined = office.propose(complaint, "JAMKESDA").json()["referral_id"]
    office.post(declined, "decline", manager, reason="Tidak memenuhi syarat")
    steps = office.get(f"/referrals/{declined}/history", manager).json()
    assert [(s["step"], s["details"].get("reason")) for s in steps][-1] == ("declined", "Tidak memenuhi syarat")

    sent = office.sent(complaint, "PBI-Daerah")
    due = dt.datetime.fromisoformat(office.get(f"/referrals/{sent}", manager).json()["answer_due_at"])
    assert office.app.mark_overdue(sent, due)
    office.post(sent, "revoke", manager, reason="Salah sasaran")
    steps = office.get(f"/referrals/{sent}/history", manager).json()
    assert [s["step"] for s in steps] == ["proposed", "approved", "overdue", "revoked"]
    assert steps[2]["by"] is None and steps[2]["details"]["due_at"]
    assert steps[3]["details"] == {"reason": "Salah sasaran"}
    assert office.get("/referrals/00000000-0000-0000-0000-000000000000/history", manager).status_code == 404
