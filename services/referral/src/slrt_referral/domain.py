"""Referrals (rujukan): a checked complaint routed to the agency for its field, approved by the
district SLRT manager, sent, and answered by the agency."""

from __future__ import annotations

from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from slrt_contracts import Actor, ComplaintType, DTKSStatus, ReferralDecision, Region, Role, ServiceField
from slrt_runtime.errors import DomainError, InvalidTransition, NotFound, NotPermitted

_REFERRAL_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/referral")

AGENCY_FOR_FIELD: dict[ServiceField, str] = {
    ServiceField.HEALTH: "dinkes",
    ServiceField.EDUCATION: "disdik",
    ServiceField.SOCIAL: "dinsos",
    ServiceField.ECONOMY: "disnaker",
    ServiceField.CIVIL_REGISTRY: "dukcapil",
}


class ReferralStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    SENT = "sent"
    UNDER_REVIEW = "under_review"  # the agency asked for further review; it answers again later
    APPROVED = "approved"
    REJECTED = "rejected"


class ReferralNotFound(NotFound):
    pass


class ReasonRequired(DomainError):
    pass


class Referral(Aggregate):
    @staticmethod
    def create_id(complaint_id: UUID, **_: object) -> UUID:  # type: ignore[override]
        # One referral per checked complaint for now; deterministic so a redelivered check finds it.
        return uuid5(_REFERRAL_NS, str(complaint_id))

    @event("Drafted")
    def __init__(
        self,
        complaint_id: UUID,
        receipt_number: str,
        region: Region,
        field: ServiceField,
        complaint_type: ComplaintType,
        dtks_status: DTKSStatus,
        programmes: list[str],
        agency: str,
        drafted_by: Actor,
    ) -> None:
        self.complaint_id = complaint_id
        self.receipt_number = receipt_number
        self.region = region
        self.field = field
        self.complaint_type = complaint_type
        self.dtks_status = dtks_status
        self.programmes = programmes
        self.agency = agency
        self.status = ReferralStatus.AWAITING_APPROVAL
        self.approved_by: Actor | None = None
        self.answers: list[dict[str, object]] = []

    def approve_and_send(self, manager: Actor) -> None:
        if manager.role not in (Role.MANAGER, Role.ADMIN):
            raise NotPermitted("only the SLRT manager approves referrals")
        if self.status is not ReferralStatus.AWAITING_APPROVAL:
            raise InvalidTransition(f"referral is already {self.status.value}")
        self._sent(approved_by=manager)

    @event("Sent")
    def _sent(self, approved_by: Actor) -> None:
        self.approved_by = approved_by
        self.status = ReferralStatus.SENT

    def answer(self, decision: ReferralDecision, reason: str | None, agency_actor: Actor) -> None:
        if agency_actor.role is Role.AGENCY and agency_actor.agency != self.agency:
            raise NotPermitted(f"this referral is addressed to {self.agency}, not {agency_actor.agency}")
        if agency_actor.role not in (Role.AGENCY, Role.ADMIN):
            raise NotPermitted("only the addressed agency answers a referral")
        if self.status not in (ReferralStatus.SENT, ReferralStatus.UNDER_REVIEW):
            raise InvalidTransition(
                "referral has not been sent yet" if self.status is ReferralStatus.AWAITING_APPROVAL
                else f"referral was already answered: {self.status.value}"
            )
        if decision is ReferralDecision.REJECTED and not (reason and reason.strip()):
            raise ReasonRequired("a rejection needs a reason the citizen can be told")
        self._answered(decision=decision, reason=reason, answered_by=agency_actor)

    @event("Answered")
    def _answered(self, decision: ReferralDecision, reason: str | None, answered_by: Actor) -> None:
        self.answers.append({"decision": decision, "reason": reason, "by": answered_by})
        self.status = {
            ReferralDecision.APPROVED: ReferralStatus.APPROVED,
            ReferralDecision.REJECTED: ReferralStatus.REJECTED,
            ReferralDecision.FURTHER_REVIEW: ReferralStatus.UNDER_REVIEW,
        }[decision]
