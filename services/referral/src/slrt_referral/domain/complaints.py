"""What the referral service knows of a complaint, learnt from two streams that arrive in either order:
ComplaintRegistered (intake) creates the :class:`Complaint`, DTKSChecked (dtks) creates its
:class:`DTKSResult`. Two aggregates, each created by one event and neither read first, so neither
consumer waits for, reloads or races with the other; a complaint is referable once both exist.

Stores written before the split hold a Complaint created by either message ("Noted", then "Registered"
and "Checked" events): those events still load, and such a complaint carries its DTKS result itself."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from slrt_contracts import ComplaintType, Region, ServiceField
from slrt_runtime.errors import InvalidTransition, NotFound

_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/referral/complaint")
_DTKS_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/referral/dtks-result")

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
        self.dtks_status: str | None = None  # only on complaints learnt before DTKSResult existed
        self.dtks_programmes: list[str] = []
        self.referral_ids: list[UUID] = []

    class Learnt(Aggregate.Created):
        """The complaint as registered at intake: what a referral needs of it, in one event."""

        complaint_id: UUID
        receipt_number: str
        region: Region
        field: ServiceField
        complaint_type: ComplaintType
        identity: dict[str, Any] | None
        consent_to_disclose: bool

        def apply(self, aggregate: Any) -> None:  # after __init__ took the fields it shares with "Noted"
            aggregate.registered = True
            # The identity is kept only to disclose it on a referral with consent or where needed.
            aggregate.identity = self.identity
            aggregate.consent_to_disclose = self.consent_to_disclose

    @classmethod
    def learn(cls, complaint_id: UUID, receipt_number: str, region: Region, field: ServiceField,
              complaint_type: ComplaintType, identity: dict[str, Any] | None, consent_to_disclose: bool
              ) -> Complaint:
        return cls._create(cls.Learnt, complaint_id=complaint_id, receipt_number=receipt_number, region=region,
                           field=ServiceField(field), complaint_type=ComplaintType(complaint_type),
                           identity=identity, consent_to_disclose=consent_to_disclose)

    def register(self, identity: dict[str, Any] | None, consent_to_disclose: bool) -> None:
        """Registration of a complaint noted earlier by its DTKS check (stores from before Learnt)."""
        if not self.registered:
            self._registered(identity=identity, consent_to_disclose=consent_to_disclose)

    @event("Registered")
    def _registered(self, identity: dict[str, Any] | None, consent_to_disclose: bool) -> None:
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
        """The DTKS result recorded on the complaint itself, as before DTKSResult (tests build old stores)."""
        if self.dtks_status is None:
            self._checked(status=status, programmes=programmes)

    @event("Checked")
    def _checked(self, status: str, programmes: list[str]) -> None:
        self.dtks_status = status
        self.dtks_programmes = list(programmes)

    def dtks(self, result: DTKSResult | None) -> tuple[str, list[str]]:
        """The DTKS status and programmes a referral is made with (the complaint's own, in old stores,
        else ``result``); refused until both the registration and the check are known."""
        if self.dtks_status is not None:
            status, programmes = self.dtks_status, self.dtks_programmes
        elif result is not None:
            status, programmes = result.status, result.programmes
        else:
            status, programmes = None, []
        if not self.registered or status is None:
            raise InvalidTransition("the complaint is referred after its registration and DTKS check are known; "
                                    "try again in a moment")
        return status, list(programmes)

    def attach(self, referral_id: UUID) -> None:
        self._referral_attached(referral_id=referral_id)

    @event("ReferralAttached")
    def _referral_attached(self, referral_id: UUID) -> None:
        self.referral_ids.append(referral_id)


class DTKSResult(Aggregate):
    """A complaint's DTKS check as dtks published it. The first check stands: a later one for the same
    complaint cannot create the aggregate again."""

    @staticmethod
    def create_id(complaint_id: UUID, **_: object) -> UUID:  # type: ignore[override]
        return uuid5(_DTKS_NS, str(complaint_id))

    @event("Recorded")
    def __init__(self, complaint_id: UUID, status: str, programmes: list[str]) -> None:
        self.complaint_id = complaint_id
        self.status = status
        self.programmes = list(programmes)
