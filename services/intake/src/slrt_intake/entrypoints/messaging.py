"""Intake's public events (domain event → contract event) and its consumers."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from slrt_contracts import ComplaintRegistered, ContractEvent, DTKSChecked
from slrt_contracts.events import intake as contract
from slrt_contracts.streams import stream_for
from slrt_runtime.consumers import TrackedConsumer
from slrt_runtime.settings import ServiceSettings

from ..application import IntakeApplication
from ..domain import Complaint


_PUBLISHED = (Complaint.Registered, Complaint.Assessed, Complaint.Escalated, Complaint.Overdue, Complaint.Resumed,
              Complaint.Resolved, Complaint.Appealed, Complaint.Answered, Complaint.Closed,
              Complaint.ConsentRecorded, Complaint.CitizenNotified)


class _Names:
    """What the later events take from the complaint: fixed at registration, so read once.

    Reloading the aggregate for every event was most of the relay's CPU (a full replay each)."""

    def __init__(self, app: IntakeApplication, size: int = 20_000) -> None:
        self.app, self.size = app, size
        self._known: OrderedDict[Any, tuple[str, str, Any]] = OrderedDict()

    def remember(self, complaint_id: Any, receipt_number: str, region: Any) -> None:
        self._known[complaint_id] = (region.district, receipt_number, region)
        if len(self._known) > self.size:
            self._known.popitem(last=False)

    def of(self, complaint_id: Any) -> tuple[str, str, Any]:
        known = self._known.get(complaint_id)
        if known is None:
            c: Complaint = self.app.repository.get(complaint_id)
            self.remember(complaint_id, c.receipt_number, c.region)
            known = self._known[complaint_id]
        return known


def translator(app: IntakeApplication):  # noqa: ANN201 - a Translator
    names = _Names(app)

    def to_contract(event: Any) -> ContractEvent | None:
        if not isinstance(event, _PUBLISHED):
            return None
        if isinstance(event, Complaint.Registered):
            names.remember(event.originator_id, event.receipt_number, event.region)
            return ComplaintRegistered(
                district=event.region.district, complaint_id=event.originator_id,
                receipt_number=event.receipt_number, registered_at=event.timestamp, channel=event.channel,
                complaint_type=event.complaint_type, field=event.field, region=event.region, nik=event.nik,
                recorded_by=event.registered_by, source=event.source, programme=event.programme,
                identity=event.identity,
            )
        # The other events name only the complaint: its receipt and region are those it was registered with.
        district, receipt, region = names.of(event.originator_id)
        base = {"district": district, "complaint_id": event.originator_id, "receipt_number": receipt}
        at = event.timestamp
        match event:
            case Complaint.Assessed():
                return contract.ComplaintAssessed(**base, region=region, field=event.field,
                                                  programmes_needed=event.programmes_needed, level=event.level,
                                                  due_at=event.due_at, assessed_at=at, assessed_by=event.assessed_by)
            case Complaint.Escalated():
                return contract.ComplaintEscalated(**base, region=region, from_level=event.from_level,
                                                   to_level=event.to_level, reason=event.reason, due_at=event.due_at,
                                                   escalated_at=at, escalated_by=event.escalated_by)
            case Complaint.Overdue():
                return contract.ComplaintOverdue(**base, region=region, step=event.step.split(":")[0],
                                                 level=event.level, due_at=event.due_at, detected_at=at)
            case Complaint.Resumed():
                return contract.ComplaintResumed(**base, region=region, letter_id=event.letter_id, resumed_at=at)
            case Complaint.Resolved():
                return contract.ComplaintResolved(**base, region=region, level=event.level, outcome=event.outcome,
                                                  satisfaction=event.satisfaction, appeal_until=event.appeal_until,
                                                  resolved_at=at, resolved_by=event.resolved_by)
            case Complaint.Appealed():
                return contract.ComplaintAppealed(**base, region=region, appeal_number=event.appeal_number,
                                                  from_level=event.from_level, to_level=event.to_level,
                                                  due_at=event.due_at, appealed_at=at, recorded_by=event.recorded_by)
            case Complaint.Answered():
                return contract.ComplaintClosed(**base, region=region,
                                                reason=contract.ClosedReason.ANSWERED_AT_FRONT_OFFICE, closed_at=at)
            case Complaint.Closed():
                return contract.ComplaintClosed(**base, region=region, reason=event.reason, closed_at=at)
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
