"""Referral and audit-trail codes shown in words (message ids of the catalogue, as in vocabulary.py),
and the programmes' time standards in Indonesian ("5 working days" → "5 hari kerja")."""

from __future__ import annotations

from slrt_runtime.timestandards import InvalidTimeStandard, TimeStandard

from .refusals import Gettext, N_

LABELS = (
    N_("role:agency"), N_("role:admin"),
    N_("referral_status:awaiting_approval"), N_("referral_status:declined"), N_("referral_status:sent"),
    N_("referral_status:under_review"), N_("referral_status:accepted"), N_("referral_status:rejected"),
    N_("referral_status:completed"), N_("referral_status:revoked"),
    N_("decision:approved"), N_("decision:rejected"), N_("decision:further_review"),
    N_("referral_outcome:provided"), N_("referral_outcome:partially_provided"),
    N_("referral_outcome:not_provided"),
    N_("agency_level:district"), N_("agency_level:province"), N_("agency_level:national"),
    N_("agency_level:non_government"),
    N_("basis:consent"), N_("basis:service_need"), N_("basis:withheld"),
    # what intake notes of a referral on the complaint
    N_("referral_state:sent"), N_("referral_state:accepted"), N_("referral_state:rejected"),
    N_("referral_state:further_review"), N_("referral_state:outcome_reported"), N_("referral_state:revoked"),
    N_("referral_state:redirected"),
    # the steps of the audit trails (intake's complaint, the referral)
    N_("complaint-step:registered"), N_("complaint-step:queue_number"), N_("complaint-step:dtks_checked"),
    N_("complaint-step:resumed"), N_("complaint-step:consent"), N_("complaint-step:answered"),
    N_("complaint-step:assessed"), N_("complaint-step:escalated"), N_("complaint-step:overdue"),
    N_("complaint-step:referral"), N_("complaint-step:resolved"), N_("complaint-step:appealed"),
    N_("complaint-step:closed"),
    N_("referral-step:proposed"), N_("referral-step:approved"), N_("referral-step:declined"),
    N_("referral-step:revoked"), N_("referral-step:redirected"), N_("referral-step:answered"),
    N_("referral-step:outcome_reported"), N_("referral-step:overdue"),
    N_("closed:answered_at_front_office"), N_("closed:appeal_window_ended"),
    N_("referral-done:approve"), N_("referral-done:decline"), N_("referral-done:revoke"),
    N_("referral-done:redirect"), N_("referral-done:accept"), N_("referral-done:reject"),
    N_("referral-done:review"), N_("referral-done:outcome"),
    N_("unit:minutes"), N_("unit:hours"), N_("unit:days"), N_("unit:working days"), N_("unit:weeks"),
    N_("unit:months"),
)


def within(text: str | None, _: Gettext) -> str:
    """A programme's answer time in the users' words; shown as it is when it does not parse."""
    try:
        standard = TimeStandard.parse(text or "")
    except InvalidTimeStandard:
        return text or "-"
    return f"{standard.amount} {_(f'unit:{standard.unit.value}')}"
