"""Referral's integration events (translated from its domain events) and its consumers: complaints
from intake and dtks, and the answers agencies publish on their own subjects."""

from __future__ import annotations

from typing import Any

from slrt_contracts import ComplaintRegistered, ContractEvent, DTKSChecked, ReferralAnswered, ReferralSent
from slrt_contracts.events.agency import ReferralAnswerSubmitted
from slrt_contracts.events.intake import DisclosureConsentRecorded
from slrt_contracts.events.referral import (
    ReferralDeclined,
    ReferralOutcomeReported,
    ReferralOverdue,
    ReferralProposed,
    ReferralRedirected,
    ReferralRevoked,
)
from slrt_contracts.streams import stream_for
from slrt_runtime.consumers import TrackedConsumer
from slrt_runtime.errors import DomainError
from slrt_runtime.settings import ServiceSettings

from ..application import ReferralApplication
from ..domain import Referral


def to_contract(domain_event: Any, app: ReferralApplication) -> ContractEvent | None:
    if not isinstance(domain_event, Referral.Event):
        return None
    # The referral as it was right after this event (a re-publish says exactly the same).
    r: Referral = app.repository.get(domain_event.originator_id, version=domain_event.originator_version)
    at = domain_event.timestamp
    common = dict(district=r.region.district, referral_id=r.id, complaint_id=r.complaint_id,
                  receipt_number=r.receipt_number, agency=r.agency, region=r.region)
    match domain_event:
        case Referral.Proposed():
            return ReferralProposed(**common, agency_level=r.programme.level, programme=r.programme.code,
                                    field=r.field, proposed_at=at, proposed_by=r.proposed_by,
                                    redirected_from=r.redirected_from)
        case Referral.Declined():
            return ReferralDeclined(**common, programme=r.programme.code, reason=domain_event.reason,
                                    declined_at=at, declined_by=domain_event.declined_by)
        case Referral.Sent():
            personal = app.personal_data(r)
            return ReferralSent(
                **common, field=r.field, complaint_type=r.complaint_type, dtks_status=r.dtks_status,
                programmes=r.dtks_programmes, sent_at=domain_event.sent_at, approved_by=domain_event.approved_by,
                programme=r.programme.code, agency_level=r.programme.level, answer_due_at=r.answer_due_at,
                note=r.note, personal_data_basis=r.personal_data_basis, personal_data=personal,
                redirected_from=r.redirected_from,
            )
        case Referral.Answered():
            return ReferralAnswered(**common, programme=r.programme.code, decision=domain_event.decision,
                                    reason=domain_event.reason, answered_at=domain_event.answered_at,
                                    answered_by=domain_event.answered_by)
        case Referral.OutcomeReported():
            return ReferralOutcomeReported(**common, programme=r.programme.code, outcome=domain_event.outcome,
                                           note=domain_event.note, reported_at=domain_event.reported_at,
                                           reported_by=domain_event.reported_by)
        case Referral.Revoked():
            return ReferralRevoked(**common, programme=r.programme.code, reason=domain_event.reason,
                                   revoked_at=at, revoked_by=domain_event.revoked_by)
        case Referral.Redirected():
            return ReferralRedirected(**common, programme=r.programme.code, reason=domain_event.reason,
                                      redirected_to_referral_id=domain_event.to_referral_id,
                                      redirected_to_agency=domain_event.to_agency,
                                      redirected_to_programme=domain_event.to_programme,
                                      redirected_at=at, redirected_by=domain_event.redirected_by)
        case Referral.Overdue():
            return ReferralOverdue(**common, programme=r.programme.code, step=domain_event.step,
                                   due_at=domain_event.due_at, detected_at=at)
    return None


def answer_position(subject: str, headers: dict[str, str], event: ContractEvent) -> tuple[str, int]:
    """Agencies have no outbox: the exactly-once key of an answer is its ``answer_id``, per agency
    (63 bits of it, to fit the tracking table's integer)."""
    assert isinstance(event, ReferralAnswerSubmitted)
    return f"agency-{event.agency}", event.answer_id.int >> 65


def consumers(app: ReferralApplication, settings: ServiceSettings) -> list[TrackedConsumer]:
    # A fetched batch is committed in one transaction (app.batch); see slrt_runtime.consumers.
    common = dict(district=settings.district, max_deliver=settings.consumer_max_deliver,
                  ack_wait_seconds=settings.consumer_ack_wait_seconds, batch_scope=app.batch)
    return [
        TrackedConsumer(
            name="referral-registered-complaints", stream=stream_for("intake"),
            subject=ComplaintRegistered.subject_pattern.format(district=settings.district),
            handle=app.on_complaint_registered, accepts=(ComplaintRegistered,), **common,
        ),
        TrackedConsumer(
            name="referral-disclosure-consents", stream=stream_for("intake"),
            subject=DisclosureConsentRecorded.subject_pattern.format(district=settings.district),
            handle=app.on_consent_recorded, accepts=(DisclosureConsentRecorded,), **common,
        ),
        TrackedConsumer(
            name="referral-checked-complaints", stream=stream_for("dtks"),
            subject=DTKSChecked.subject_pattern.format(district=settings.district),
            handle=app.on_complaint_checked, accepts=(DTKSChecked,), **common,
        ),
        TrackedConsumer(
            name="referral-agency-answers", stream=stream_for("agency"),
            subject=ReferralAnswerSubmitted.subject_pattern.format(district=settings.district, agency="*"),
            handle=app.on_agency_answer, accepts=(ReferralAnswerSubmitted,), position=answer_position,
            # A referral of another agency, not sent, already answered...: never succeeds on retry.
            permanent_errors=(DomainError,), **common,
        ),
    ]
