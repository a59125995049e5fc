"""Referral's public events and its consumer of checked complaints."""

from __future__ import annotations

from typing import Any

from slrt_contracts import ContractEvent, DTKSChecked, ReferralAnswered, ReferralSent
from slrt_contracts.streams import stream_for
from slrt_runtime.consumers import TrackedConsumer
from slrt_runtime.settings import ServiceSettings

from .application import ReferralApplication
from .domain import Referral


def to_contract(domain_event: Any, app: ReferralApplication) -> ContractEvent | None:
    if isinstance(domain_event, Referral.Sent):
        referral: Referral = app.repository.get(domain_event.originator_id, version=domain_event.originator_version)
        return ReferralSent(
            district=referral.region.district, referral_id=referral.id, complaint_id=referral.complaint_id,
            receipt_number=referral.receipt_number, agency=referral.agency, field=referral.field,
            complaint_type=referral.complaint_type, dtks_status=referral.dtks_status,
            programmes=referral.programmes, region=referral.region, sent_at=domain_event.timestamp,
            approved_by=domain_event.approved_by,
        )
    if isinstance(domain_event, Referral.Answered):
        referral = app.repository.get(domain_event.originator_id, version=domain_event.originator_version)
        return ReferralAnswered(
            district=referral.region.district, referral_id=referral.id, complaint_id=referral.complaint_id,
            receipt_number=referral.receipt_number, agency=referral.agency, decision=domain_event.decision,
            reason=domain_event.reason, answered_at=domain_event.timestamp, answered_by=domain_event.answered_by,
        )
    return None


def consumers(app: ReferralApplication, settings: ServiceSettings) -> list[TrackedConsumer]:
    return [
        TrackedConsumer(
            name="referral-checked-complaints",
            stream=stream_for("dtks"),
            subject=f"slrt.{settings.district}.dtks.complaint.checked",
            handle=app.on_complaint_checked,
            district=settings.district,
            accepts=(DTKSChecked,),
            max_deliver=settings.consumer_max_deliver,
            ack_wait_seconds=settings.consumer_ack_wait_seconds,
        )
    ]
