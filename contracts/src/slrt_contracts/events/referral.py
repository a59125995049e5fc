"""Events published by the referral service (referrals to agencies).

Subjects carry the agency the referral is addressed to. An agency subscribes to
``slrt.{district}.referral.{agency}.*`` (exactly one token after its code): the facts it must know.
The secretariat's internal facts about a referral (proposed, declined by the manager) live one
level deeper, under ``slrt.{district}.referral.{agency}.internal.*``, so the agency's filter (and its
NATS permission) never reaches a referral the manager has not approved.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ..actor import Actor, Role
from ..base import AgencyCode, ContractEvent, Region
from ..nik import NIK
from .common import (
    EXAMPLE_COMPLAINT_ID,
    EXAMPLE_RECEIPT,
    EXAMPLE_REFERRAL_ID,
    EXAMPLE_REGION,
    EXAMPLE_TIME,
    ComplaintType,
    ServiceField,
)
from .dtks import DTKSStatus

_PROGRAMME = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$",
                   description="Programme of the referral catalogue, e.g. PBI-JK")


class ReferralDecision(StrEnum):
    APPROVED = "approved"  # the agency accepts the referral and will act on it
    REJECTED = "rejected"  # with a reason the citizen can be told
    FURTHER_REVIEW = "further_review"  # the agency needs more time or information; it answers again


class ReferralOutcome(StrEnum):
    """What the agency finally did for the citizen, reported after accepting."""

    PROVIDED = "provided"
    PARTIALLY_PROVIDED = "partially_provided"
    NOT_PROVIDED = "not_provided"


class AgencyLevel(StrEnum):
    DISTRICT = "district"  # district agency (OPD): Dinkes, Disdik, Dukcapil...
    PROVINCE = "province"
    NATIONAL = "national"  # ministry / national programme: PKH, BPJS Kesehatan, KIP...
    NON_GOVERNMENT = "non_government"  # CSR, zakat bodies


class PersonalDataBasis(StrEnum):
    CONSENT = "consent"  # the complainant agreed to disclose their identity
    SERVICE_NEED = "service_need"  # the programme cannot serve the person without it
    WITHHELD = "withheld"  # confidential: the agency gets no identity


class ReferralPersonalData(BaseModel):
    """The identity of the person concerned, disclosed to the agency only on a stated basis."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nik: NIK | None = None
    name: str | None = Field(default=None, max_length=200)
    birth_date: dt.date | None = None
    sex: str | None = Field(default=None, max_length=16)
    address: str | None = Field(default=None, max_length=500)
    family_card_number: str | None = Field(default=None, pattern=r"^\d{16}$")
    complainant_name: str | None = Field(default=None, max_length=200)
    complainant_relation: str | None = Field(default=None, max_length=100)


class ReferralProposed(ContractEvent):
    """Staff proposed a referral; it waits for the manager's approval (secretariat-internal)."""

    event_name = "ReferralProposed"
    producer = "referral"
    subject_pattern = "slrt.{district}.referral.{agency}.internal.proposed"
    entity_field = "referral_id"

    referral_id: uuid.UUID
    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    agency: AgencyCode
    agency_level: AgencyLevel
    programme: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
    field: ServiceField
    region: Region
    proposed_at: dt.datetime
    proposed_by: Actor
    redirected_from: uuid.UUID | None = Field(default=None, description="The referral this one replaces")


class ReferralDeclined(ContractEvent):
    """The manager did not approve a proposed referral (secretariat-internal; it was never sent)."""

    event_name = "ReferralDeclined"
    producer = "referral"
    subject_pattern = "slrt.{district}.referral.{agency}.internal.declined"
    entity_field = "referral_id"

    referral_id: uuid.UUID
    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    agency: AgencyCode
    programme: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
    region: Region
    reason: str = Field(min_length=1, max_length=2000)
    declined_at: dt.datetime
    declined_by: Actor


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
    programme: str | None = _PROGRAMME
    agency_level: AgencyLevel | None = None
    answer_due_at: dt.datetime | None = Field(
        default=None, description="When the agency's answer is due (the programme's time standard)"
    )
    note: str | None = Field(default=None, max_length=2000, description="What the secretariat asks the agency")
    personal_data_basis: PersonalDataBasis | None = Field(
        default=None, description="Why personal_data is present (consent / service_need) or absent (withheld)"
    )
    personal_data: ReferralPersonalData | None = Field(
        default=None, description="Identity of the person concerned; only with consent or where the programme needs it"
    )
    redirected_from: uuid.UUID | None = Field(default=None, description="The revoked referral this one replaces")


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
    region: Region | None = None
    programme: str | None = _PROGRAMME


class ReferralOutcomeReported(ContractEvent):
    event_name = "ReferralOutcomeReported"
    producer = "referral"
    subject_pattern = "slrt.{district}.referral.{agency}.outcome"
    entity_field = "referral_id"

    referral_id: uuid.UUID
    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    agency: AgencyCode
    programme: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
    region: Region
    outcome: ReferralOutcome
    note: str | None = Field(default=None, max_length=2000)
    reported_at: dt.datetime
    reported_by: Actor


class ReferralRevoked(ContractEvent):
    """The secretariat withdrew a sent referral; the agency stops working on it."""

    event_name = "ReferralRevoked"
    producer = "referral"
    subject_pattern = "slrt.{district}.referral.{agency}.revoked"
    entity_field = "referral_id"

    referral_id: uuid.UUID
    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    agency: AgencyCode
    programme: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
    region: Region
    reason: str = Field(min_length=1, max_length=2000)
    revoked_at: dt.datetime
    revoked_by: Actor


class ReferralRedirected(ContractEvent):
    """The secretariat moved a sent referral to another programme/agency: this one (addressed to
    ``agency``) is revoked, the new one is sent as ``redirected_to_referral_id``."""

    event_name = "ReferralRedirected"
    producer = "referral"
    subject_pattern = "slrt.{district}.referral.{agency}.redirected"
    entity_field = "referral_id"

    referral_id: uuid.UUID
    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    agency: AgencyCode
    programme: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
    region: Region
    reason: str = Field(min_length=1, max_length=2000)
    redirected_to_referral_id: uuid.UUID
    redirected_to_agency: AgencyCode
    redirected_to_programme: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
    redirected_at: dt.datetime
    redirected_by: Actor


class ReferralOverdue(ContractEvent):
    """The agency did not answer within the programme's time standard."""

    event_name = "ReferralOverdue"
    producer = "referral"
    subject_pattern = "slrt.{district}.referral.{agency}.overdue"
    entity_field = "referral_id"

    referral_id: uuid.UUID
    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    agency: AgencyCode
    programme: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
    region: Region
    step: str = Field(max_length=64, description="The step whose time standard was missed: agency_answer")
    due_at: dt.datetime
    detected_at: dt.datetime


def examples() -> list[ContractEvent]:
    at = EXAMPLE_TIME
    manager = Actor(id="mgr-0001", role=Role.MANAGER, region="1605")
    dinkes = Actor(id="dinkes-0007", role=Role.AGENCY, region="1605", agency="dinkes")
    common = dict(district="1605", referral_id=EXAMPLE_REFERRAL_ID, complaint_id=EXAMPLE_COMPLAINT_ID,
                  receipt_number=EXAMPLE_RECEIPT, agency="dinkes", region=EXAMPLE_REGION)
    other = uuid.UUID("5b0f9a7e-2c44-4d1b-8e3a-6f7d1c2b9e04")
    return [
        ReferralProposed(
            **common, agency_level=AgencyLevel.DISTRICT, programme="JAMKESDA", field=ServiceField.HEALTH,
            proposed_at=at + dt.timedelta(hours=2),
            proposed_by=Actor(id="bo-0003", role=Role.BACK_OFFICE, region="1605"),
        ),
        ReferralDeclined(
            **common, programme="JAMKESDA", reason="Sudah ditangani langsung oleh sekretariat",
            declined_at=at + dt.timedelta(hours=2, minutes=30), declined_by=manager,
        ),
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
            approved_by=manager,
            programme="JAMKESDA",
            agency_level=AgencyLevel.DISTRICT,
            answer_due_at=at + dt.timedelta(days=3, hours=3),
            note="Kartu KIS tidak aktif saat berobat; mohon keringanan biaya",
            personal_data_basis=PersonalDataBasis.CONSENT,
            personal_data=ReferralPersonalData(
                nik="1605014107800001", name="Siti Contoh (synthetic)", birth_date=dt.date(1980, 7, 1),
                sex="female", address="Dusun 1, Desa Contoh", complainant_name="Siti Contoh (synthetic)",
                complainant_relation="self",
            ),
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
            answered_by=dinkes,
            region=EXAMPLE_REGION,
            programme="JAMKESDA",
        ),
        ReferralOutcomeReported(
            **common, programme="JAMKESDA", outcome=ReferralOutcome.PROVIDED,
            note="Biaya rawat inap ditanggung Jamkesda", reported_at=at + dt.timedelta(days=9), reported_by=dinkes,
        ),
        ReferralRevoked(
            **common, programme="JAMKESDA", reason="Pengadu sudah dilayani program lain",
            revoked_at=at + dt.timedelta(days=1), revoked_by=manager,
        ),
        ReferralRedirected(
            **common, programme="JAMKESDA", reason="Kewenangan BPJS Kesehatan (PBI-JK)",
            redirected_to_referral_id=other, redirected_to_agency="bpjs-kesehatan", redirected_to_programme="PBI-JK",
            redirected_at=at + dt.timedelta(days=1), redirected_by=manager,
        ),
        ReferralOverdue(
            **common, programme="JAMKESDA", step="agency_answer", due_at=at + dt.timedelta(days=3, hours=3),
            detected_at=at + dt.timedelta(days=3, hours=3, minutes=1),
        ),
    ]


EVENTS: tuple[type[ContractEvent], ...] = (
    ReferralSent, ReferralAnswered, ReferralProposed, ReferralDeclined, ReferralOutcomeReported,
    ReferralRevoked, ReferralRedirected, ReferralOverdue,
)

SUBJECT_PARAMETERS: dict[str, dict[str, object]] = {
    "agency": {
        "description": "Agency (OPD / programme manager) code the referral is addressed to: one subject token, "
        "lower-case letters, digits and '-', e.g. dinkes",
        "examples": ["dinkes"],
    },
}
"""Documentation of the subject placeholders this module adds (beyond district)."""
