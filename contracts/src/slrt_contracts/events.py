"""The integration events of the SLRT platform (v1).

Personal data rule: a NIK travels only where the receiving service needs it (DTKS check);
names never travel. Monitoring and the national stream see none of it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from pydantic import Field

from .actor import Actor
from .base import AgencyCode, ContractEvent, Region
from .nik import NIK


class Channel(StrEnum):
    FRONT_OFFICE = "front_office"  # SLRT secretariat walk-in
    PUSKESOS = "puskesos"
    FACILITATOR = "facilitator"


class ComplaintType(StrEnum):
    QUESTION = "question"  # asks for information
    SUGGESTION = "suggestion"  # idea to improve a programme
    GRIEVANCE = "grievance"  # dissatisfaction: membership, implementation, misuse


class ServiceField(StrEnum):
    """The back-office field (bidang) a complaint belongs to."""

    HEALTH = "health"
    EDUCATION = "education"
    SOCIAL = "social"
    ECONOMY = "economy"
    CIVIL_REGISTRY = "civil_registry"



class DTKSStatus(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    NO_NIK = "no_nik"


class ReferralDecision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    FURTHER_REVIEW = "further_review"


class ParafStep(StrEnum):
    KASI = "kasi"
    KABID = "kabid"
    SEKDIN = "sekdin"


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


class LetterRequested(ContractEvent):
    event_name = "LetterRequested"
    producer = "letters"
    subject_pattern = "slrt.{district}.letters.letter.requested"
    entity_field = "letter_id"

    letter_id: uuid.UUID
    letter_type: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    complaint_id: uuid.UUID | None = None
    receipt_number: str | None = Field(default=None, max_length=32)
    requested_at: dt.datetime
    requested_by: Actor


class LetterInitialled(ContractEvent):
    event_name = "LetterInitialled"
    producer = "letters"
    subject_pattern = "slrt.{district}.letters.letter.initialled"
    entity_field = "letter_id"

    letter_id: uuid.UUID
    letter_type: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    complaint_id: uuid.UUID | None = None
    receipt_number: str | None = Field(default=None, max_length=32)
    step: ParafStep
    initialled_at: dt.datetime
    initialled_by: Actor


class LetterSigned(ContractEvent):
    event_name = "LetterSigned"
    producer = "letters"
    subject_pattern = "slrt.{district}.letters.letter.signed"
    entity_field = "letter_id"

    letter_id: uuid.UUID
    letter_type: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    letter_number: str = Field(max_length=64)
    complaint_id: uuid.UUID | None = None
    receipt_number: str | None = Field(default=None, max_length=32)
    signed_at: dt.datetime
    signed_by: Actor


ALL_EVENTS: tuple[type[ContractEvent], ...] = (
    ComplaintRegistered,
    DTKSChecked,
    ReferralSent,
    ReferralAnswered,
    LetterRequested,
    LetterInitialled,
    LetterSigned,
)

EVENTS_BY_TYPE: dict[str, type[ContractEvent]] = {cls.ce_type(): cls for cls in ALL_EVENTS}
