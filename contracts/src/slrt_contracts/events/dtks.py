"""Events published by the DTKS service (registry checks)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from pydantic import Field

from ..actor import Actor, Role
from ..base import AgencyCode, ContractEvent, Region
from ..nik import NIK
from .common import (
    EXAMPLE_COMPLAINT_ID,
    EXAMPLE_LETTER_ID,
    EXAMPLE_RECEIPT,
    EXAMPLE_REFERRAL_ID,
    EXAMPLE_REGION,
    EXAMPLE_TIME,
    Channel,
    ComplaintType,
    ServiceField,
)


class DTKSStatus(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    NO_NIK = "no_nik"


class DTKSChecked(ContractEvent):
    event_name = "DTKSChecked"
    producer = "dtks"
    subject_pattern = "slrt.{district}.dtks.complaint.checked"
    entity_field = "complaint_id"

    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    checked_at: dt.datetime
    status: DTKSStatus
    household_id: str | None = Field(
        default=None, max_length=64, description="Registry household id (not the family-card number)"
    )
    programmes: list[str] = Field(default_factory=list, description="Programme memberships, e.g. PKH")
    welfare_decile: int | None = Field(default=None, ge=1, le=10)
    field: ServiceField
    complaint_type: ComplaintType
    region: Region
    registry_version: str | None = Field(default=None, max_length=64)



def examples() -> list[ContractEvent]:
    at = EXAMPLE_TIME
    return [
        DTKSChecked(
            district="1605",
            complaint_id=EXAMPLE_COMPLAINT_ID,
            receipt_number=EXAMPLE_RECEIPT,
            checked_at=at + dt.timedelta(seconds=2),
            status=DTKSStatus.FOUND,
            household_id="HH-1605-000123",
            programmes=["PBI-JK", "PKH"],
            welfare_decile=2,
            field=ServiceField.HEALTH,
            complaint_type=ComplaintType.GRIEVANCE,
            region=EXAMPLE_REGION,
            registry_version="2025-02",
        ),
    ]


EVENTS: tuple[type[ContractEvent], ...] = (DTKSChecked,)

SUBJECT_PARAMETERS: dict[str, dict[str, object]] = {}
"""Documentation of the subject placeholders this module adds (beyond district)."""
