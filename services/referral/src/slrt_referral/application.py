"""Referral application: route checked complaints, approve, record agency answers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from slrt_contracts import Actor, DTKSChecked, ReferralDecision, service_actor
from slrt_runtime.consumers import Delivery
from slrt_runtime.eventstore import ServiceApplication

from .domain import AGENCY_FOR_FIELD, Referral, ReferralNotFound


class ReferralApplication(ServiceApplication):
    name = "Referral"

    def on_complaint_checked(self, delivery: Delivery) -> None:
        checked = delivery.event
        assert isinstance(checked, DTKSChecked)
        referral = Referral(
            complaint_id=checked.complaint_id,
            receipt_number=checked.receipt_number,
            region=checked.region,
            field=checked.field,
            complaint_type=checked.complaint_type,
            dtks_status=checked.status,
            programmes=list(checked.programmes),
            agency=AGENCY_FOR_FIELD[checked.field],
            drafted_by=service_actor("referral", checked.district),
        )
        self.save_processed(delivery.upstream, delivery.notification_id, referral)

    def _get(self, referral_id: UUID) -> Referral:
        try:
            return self.repository.get(referral_id)
        except AggregateNotFoundError:
            raise ReferralNotFound(f"no referral {referral_id}") from None

    def approve(self, referral_id: UUID, manager: Actor) -> None:
        referral = self._get(referral_id)
        referral.approve_and_send(manager)
        self.save(referral)

    def answer(self, referral_id: UUID, decision: ReferralDecision, reason: str | None, actor: Actor) -> None:
        referral = self._get(referral_id)
        referral.answer(decision, reason, actor)
        self.save(referral)

    def get_referral(self, referral_id: UUID) -> dict[str, Any]:
        r = self._get(referral_id)
        return {
            "referral_id": r.id, "complaint_id": r.complaint_id, "receipt_number": r.receipt_number,
            "agency": r.agency, "field": r.field, "complaint_type": r.complaint_type,
            "dtks_status": r.dtks_status, "programmes": r.programmes, "region": r.region,
            "status": r.status, "approved_by": r.approved_by, "answers": r.answers,
        }

    def get_referral_for_complaint(self, complaint_id: UUID) -> dict[str, Any]:
        return self.get_referral(Referral.create_id(complaint_id))
