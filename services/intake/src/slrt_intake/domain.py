"""Complaints (pengaduan) as registered at the front office, a Puskesos or by a facilitator."""

from __future__ import annotations

import datetime as dt
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from slrt_contracts import Actor, Channel, ComplaintType, Region, ServiceField
from slrt_runtime.errors import DomainError, NotFound

_COMPLAINT_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/complaint")


class ComplaintNotFound(NotFound):
    pass


class OutsideDistrict(DomainError):
    pass


def receipt_number(district: str, year: int, sequence: int) -> str:
    """Resi keluhan: short enough to read over the phone, unique per district."""
    return f"RK-{district}-{year % 100:02d}-{sequence:06d}"


def receipt_sequence_name(district: str, year: int) -> str:
    return f"receipt:{district}:{year}"


class Complaint(Aggregate):
    @staticmethod
    def create_id(receipt_number: str, **_: object) -> UUID:  # type: ignore[override]
        # Derived from the receipt, so a receipt number is enough to find the complaint.
        return uuid5(_COMPLAINT_NS, receipt_number)

    @event("Registered")
    def __init__(
        self,
        receipt_number: str,
        channel: Channel,
        complaint_type: ComplaintType,
        field: ServiceField,
        region: Region,
        nik: str | None,
        description: str,
        registered_by: Actor,
    ) -> None:
        self.receipt_number = receipt_number
        self.channel = channel
        self.complaint_type = complaint_type
        self.field = field
        self.region = region
        self.nik = nik
        self.description = description
        self.registered_by = registered_by

    @property
    def registered_at(self) -> dt.datetime:
        return self.created_on


def complaint_id_for(receipt: str) -> UUID:
    return Complaint.create_id(receipt_number=receipt)
