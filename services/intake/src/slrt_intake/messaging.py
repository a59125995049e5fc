"""Intake's public events (domain event → contract event) and its consumers."""

from __future__ import annotations

from typing import Any

from slrt_contracts import ComplaintRegistered, ContractEvent, DTKSChecked
from slrt_contracts.events import intake as contract
from slrt_contracts.streams import stream_for
from slrt_runtime.consumers import TrackedConsumer
from slrt_runtime.settings import ServiceSettings

from .application import IntakeApplication
from .domain import Complaint


def translator(app: IntakeApplication):  # noqa: ANN201 - a Translator
    def to_contract(event: Any) -> ContractEvent | None:
        if not isinstance(event, Complaint.Event):
            return None
        if isinstance(event, Complaint.Registered):
            return ComplaintRegistered(
                district=event.region.district, complaint_id=event.originator_id,
                receipt_number=event.receipt_number, registered_at=event.timestamp, channel=event.channel,
                complaint_type=event.complaint_type, field=event.field, region=event.region, nik=event.nik,
                recorded_by=event.registered_by, source=event.source, programme=event.programme,
                identity=event.identity,
            )
        # The other events name only the complaint: take receipt and region from its state then.
        c: Complaint = app.repository.get(event.originator_id, version=event.originator_version)
        base = {"district": c.region.district, "complaint_id": c.id, "receipt_number": c.receipt_number}
        at = event.timestamp
        match event:
            case Complaint.Assessed():
                return contract.ComplaintAssessed(**base, region=c.region, field=event.field,
                                                  programmes_needed=event.programmes_needed, level=event.level,
                                                  due_at=event.due_at, assessed_at=at, assessed_by=event.assessed_by)
            case Complaint.Escalated():
                return contract.ComplaintEscalated(**base, region=c.region, from_level=event.from_level,
                                                   to_level=event.to_level, reason=event.reason, due_at=event.due_at,
                                                   escalated_at=at, escalated_by=event.escalated_by)
            case Complaint.Overdue():
                return contract.ComplaintOverdue(**base, region=c.region, step=event.step.split(":")[0],
                                                 level=event.level, due_at=event.due_at, detected_at=at)
            case Complaint.Resumed():
                return contract.ComplaintResumed(**base, region=c.region, letter_id=event.letter_id, resumed_at=at)
            case Complaint.Resolved():
                return contract.ComplaintResolved(**base, region=c.region, level=event.level, outcome=event.outcome,
                                                  satisfaction=event.satisfaction, appeal_until=event.appeal_until,
                                                  resolved_at=at, resolved_by=event.resolved_by)
            case Complaint.Appealed():
                return contract.ComplaintAppealed(**base, region=c.region, appeal_number=event.appeal_number,
                                                  from_level=event.from_level, to_level=event.to_level,
                                                  due_at=event.due_at, appealed_at=at, recorded_by=event.recorded_by)
            case Complaint.Answered():
                return contract.ComplaintClosed(**base, region=c.region,
                                                reason=contract.ClosedReason.ANSWERED_AT_FRONT_OFFICE, closed_at=at)
            case Complaint.Closed():
                return contract.ComplaintClosed(**base, region=c.region, reason=event.reason, closed_at=at)
            case Complaint.ConsentRecorded():
                return contract.DisclosureConsentRecorded(**base, consent_to_disclose=event.consent,
                                                          recorded_at=at, recorded_by=event.recorded_by)
            case Complaint.CitizenNotified():
                return contract.CitizenNotified(**base, notice=event.kind, channel=event.channel, notified_at=at)
        return None

    return to_contract


def consumers(app: IntakeApplication, settings: ServiceSettings) -> list[TrackedConsumer]:
    district = settings.district
    # A fetched batch is committed in one transaction (app.batch); see slrt_runtime.consumers.
    common = dict(district=district, max_deliver=settings.consumer_max_deliver,
                  ack_wait_seconds=settings.consumer_ack_wait_seconds, batch_scope=app.batch)
    return [
        TrackedConsumer(name="intake-dtks-checks", stream=stream_for("dtks"),
                        subject=f"slrt.{district}.dtks.complaint.checked", handle=app.on_dtks_checked,
                        accepts=(DTKSChecked,), **common),
        # Whole streams, filtered in the handler: events the letters or referral services add later
        # are recorded as seen, not refused.
        TrackedConsumer(name="intake-letters", stream=stream_for("letters"), subject=f"slrt.{district}.letters.>",
                        handle=app.on_letter, **common),
        TrackedConsumer(name="intake-referrals", stream=stream_for("referral"),
                        subject=f"slrt.{district}.referral.>", handle=app.on_referral, **common),
    ]
