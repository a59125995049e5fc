"""What the referral service knows of a complaint: learnt from ComplaintRegistered and DTKSChecked
(two streams, in either order), and which referrals were proposed for it."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from slrt_contracts import ComplaintType, Region, ServiceField
from slrt_runtime.errors import InvalidTransition, NotFound

_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/referral/complaint")

IDENTITY_FIELDS = ("nik", "name", "birth_date", "sex", "address", "family_card_number", "complainant_name",
                   "complainant_relation")


class ComplaintNotKnown(NotFound):
    pass


class Complaint(Aggregate):
    @staticmethod
    def create_id(complaint_id: UUID, **_: object) -> UUID:  # type: ignore[override]
        return uuid5(_NS, str(complaint_id))

    @event("Noted")
    def __init__(self, complaint_id: UUID, receipt_number: str, region: Region, field: ServiceField,
                 complaint_type: ComplaintType) -> None:
        self.complaint_id = complaint_id
        self.receipt_number = receipt_number
        self.region = region
        self.field = ServiceField(field)
        self.complaint_type = ComplaintType(complaint_type)
        self.registered = False
        self.identity: dict[str, Any] | None = None
        self.consent_to_disclose = False
        self.dtks_status: str | None = None
        self.dtks_programmes: list[str] = []
        self.referral_ids: list[UUID] = []

    def register(self, identity: dict[str, Any] | None, consent_to_disclose: bool) -> None:
        if not self.registered:
            self._registered(identity=identity, consent_to_disclose=consent_to_disclose)

    @event("Registered")
    def _registered(self, identity: dict[str, Any] | None, consent_to_disclose: bool) -> None:
        # The identity is kept only to disclose it on a referral with consent or where needed.
        self.registered = True
        self.identity = identity
        self.consent_to_disclose = consent_to_disclose

    def record_consent(self, consent_to_disclose: bool) -> None:
        if consent_to_disclose != self.consent_to_disclose:
            self._consent_recorded(consent_to_disclose=consent_to_disclose)

    @event("ConsentRecorded")
    def _consent_recorded(self, consent_to_disclose: bool) -> None:
        self.consent_to_disclose = consent_to_disclose

    def check(self, status: str, programmes: list[str]) -> None:
        if self.dtks_status is None:
            self._checked(status=status, programmes=programmes)

    @event("Checked")
    def _checked(self, status: str, programmes: list[str]) -> None:
        self.dtks_status = status
        self.dtks_programmes = list(programmes)

    def ensure_referable(self) -> None:
        if not self.registered or self.dtks_status is None:
            raise InvalidTransition("the complaint is referred after its registration and DTKS check are known; "
                                    "try again in a moment")

    def attach(self, referral_id: UUID) -> None:
        self._referral_attached(referral_id=referral_id)

    @event("ReferralAttached")
    def _referral_attached(self, referral_id: UUID) -> None:
        self.referral_ids.append(referral_id)
