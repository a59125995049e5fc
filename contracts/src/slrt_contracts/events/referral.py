"""Events published by the referral service (referrals to agencies)."""

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
from .dtks import DTKSStatus


class ReferralDecision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    FURTHER_REVIEW = "further_review"


class ReferralSent(ContractEvent):
    event_name = "ReferralSent"
    producer = "referral"
    subject_pattern = "slrt.{district}.referral.{agency}.sent"
    entity_field = "referral_id"

    referral_id: uuid.UUID
    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    agency: AgencyCode
    field: ServiceField
    complaint_type: ComplaintType
    dtks_status: DTKSStatus
    programmes: list[str] = Field(default_factory=list)
    region: Region
    sent_at: dt.datetime
    approved_by: Actor


class ReferralAnswered(ContractEvent):
    event_name = "ReferralAnswered"
    producer = "referral"
    subject_pattern = "slrt.{district}.referral.{agency}.answered"
    entity_field = "referral_id"

    referral_id: uuid.UUID
    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    agency: AgencyCode
    decision: ReferralDecision
    reason: str | None = Field(default=None, max_length=2000)
    answered_at: dt.datetime
    answered_by: Actor



def examples() -> list[ContractEvent]:
    at = EXAMPLE_TIME
    return [
        ReferralSent(
            district="1605",
            referral_id=EXAMPLE_REFERRAL_ID,
            complaint_id=EXAMPLE_COMPLAINT_ID,
            receipt_number=EXAMPLE_RECEIPT,
            agency="dinkes",
            field=ServiceField.HEALTH,
            complaint_type=ComplaintType.GRIEVANCE,
            dtks_status=DTKSStatus.FOUND,
            programmes=["PBI-JK", "PKH"],
            region=EXAMPLE_REGION,
            sent_at=at + dt.timedelta(hours=3),
            approved_by=Actor(id="mgr-0001", role=Role.MANAGER, region="1605"),
        ),
        ReferralAnswered(
            district="1605",
            referral_id=EXAMPLE_REFERRAL_ID,
            complaint_id=EXAMPLE_COMPLAINT_ID,
            receipt_number=EXAMPLE_RECEIPT,
            agency="dinkes",
            decision=ReferralDecision.APPROVED,
            reason="Enrolled in PBI-JK from next month",
            answered_at=at + dt.timedelta(days=2),
            answered_by=Actor(id="dinkes-0007", role=Role.AGENCY, region="1605", agency="dinkes"),
        ),
    ]


EVENTS: tuple[type[ContractEvent], ...] = (ReferralSent, ReferralAnswered,)

SUBJECT_PARAMETERS: dict[str, dict[str, object]] = {
    "agency": {
        "description": "Agency (OPD / programme manager) code the referral is addressed to: one subject token, "
        "lower-case letters, digits and '-', e.g. dinkes",
        "examples": ["dinkes"],
    },
}
"""Documentation of the subject placeholders this module adds (beyond district)."""
