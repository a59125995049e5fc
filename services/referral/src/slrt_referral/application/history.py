"""The referral's audit trail: every step from its events, with who took it and when. Referral
events carry no personal data (the identity stays with the complaint); the whitelist keeps it so."""

from __future__ import annotations

from slrt_runtime.audit import Step

STEPS: dict[str, Step] = {
    "Proposed": Step("proposed", "proposed_by", lambda e: {
        "programme": e.programme.get("code"), "agency": e.programme.get("agency"),
        "agency_level": e.programme.get("level"), "note": e.note, "redirected_from": e.redirected_from}),
    "Sent": Step("approved", "approved_by", lambda e: {
        "answer_due_at": e.answer_due_at, "personal_data_basis": e.personal_data_basis}),
    "Declined": Step("declined", "declined_by", lambda e: {"reason": e.reason}),
    "Revoked": Step("revoked", "revoked_by", lambda e: {"reason": e.reason}),
    "Redirected": Step("redirected", "redirected_by", lambda e: {
        "reason": e.reason, "to_programme": e.to_programme, "to_agency": e.to_agency,
        "to_referral_id": e.to_referral_id}),
    "Answered": Step("answered", "answered_by", lambda e: {
        "decision": e.decision, "reason": e.reason, "answer_due_at": e.answer_due_at}),
    "OutcomeReported": Step("outcome_reported", "reported_by", lambda e: {"outcome": e.outcome, "note": e.note}),
    "Overdue": Step("overdue", None, lambda e: {"due_at": e.due_at}),
}

