"""Events published by the intake service (complaints)."""

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


class ComplaintRegistered(ContractEvent):
    event_name = "ComplaintRegistered"
    producer = "intake"
    subject_pattern = "slrt.{district}.intake.complaint.registered"
    entity_field = "complaint_id"

    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32, description="Registration number on the receipt")
    registered_at: dt.datetime
    channel: Channel
    complaint_type: ComplaintType
    field: ServiceField
    region: Region
    nik: NIK | None = Field(
        default=None, description="Citizen NIK when given; only for the DTKS check, never displayed"
    )
    recorded_by: Actor



def examples() -> list[ContractEvent]:
    at = EXAMPLE_TIME
    return [
        ComplaintRegistered(
            district="1605",
            complaint_id=EXAMPLE_COMPLAINT_ID,
            receipt_number=EXAMPLE_RECEIPT,
            registered_at=at,
            channel=Channel.FRONT_OFFICE,
            complaint_type=ComplaintType.GRIEVANCE,
            field=ServiceField.HEALTH,
            region=EXAMPLE_REGION,
            recorded_by=Actor(id="fo-0012", role=Role.FRONT_OFFICE, region="1605"),
        ),
    ]


EVENTS: tuple[type[ContractEvent], ...] = (ComplaintRegistered,)

SUBJECT_PARAMETERS: dict[str, dict[str, object]] = {}
"""Documentation of the subject placeholders this module adds (beyond district)."""
