"""The complaint's audit trail: every step from its events, who took it, when, at which level.

A whitelist (slrt_runtime.audit): the registration's NIK, identity, contact phone and the citizen's
own words never enter the trail, so it can be shown to every role that reads the complaint. The
notices to the citizen have their own list on the complaint (with how each was delivered)."""

from __future__ import annotations

from slrt_runtime.audit import Step

STEPS: dict[str, Step] = {
    "Registered": Step("registered", "registered_by", lambda e: {
        "channel": e.channel, "complaint_type": e.complaint_type, "field": e.field}),
    "QueueNumberTaken": Step("queue_number", None, lambda e: {"queue_number": e.number}),
    "DTKSRecorded": Step("dtks_checked", None, lambda e: {"dtks_status": e.dtks_status, "status": e.next_status,
                                                           "due_at": e.due_at}),
    "Resumed": Step("resumed", None, lambda e: {"due_at": e.due_at}),
    "ConsentRecorded": Step("consent", "recorded_by", lambda e: {"consent_to_disclose": e.consent}),
    "Answered": Step("answered", "answered_by", lambda e: {"level": "front_office"}),
    "Assessed": Step("assessed", "assessed_by", lambda e: {"level": e.level, "field": e.field, "note": e.note,
                                                             "due_at": e.due_at}),
    "Escalated": Step("escalated", "escalated_by", lambda e: {
        "from_level": e.from_level, "level": e.to_level, "reason": e.reason, "note": e.note, "due_at": e.due_at}),
    "Overdue": Step("overdue", None, lambda e: {"level": e.level, "due_at": e.due_at}),
    "ReferralNoted": Step("referral", None, lambda e: {"agency": e.agency, "state": e.state,
                                                         "referral_id": e.referral_id}),
    "Resolved": Step("resolved", "resolved_by", lambda e: {
        "level": e.level, "outcome": e.outcome, "satisfaction": e.satisfaction, "note": e.note}),
    "Appealed": Step("appealed", "recorded_by", lambda e: {
        "from_level": e.from_level, "level": e.to_level, "reason": e.reason, "due_at": e.due_at}),
    "Closed": Step("closed", None, lambda e: {"reason": e.reason}),
}
