"""Events published by the intake service (complaints).

Only ComplaintRegistered carries personal data, in its optional ``identity`` block (and the
top-level ``nik`` the DTKS check uses): the intake stream is district-internal, only dtks and
referral keep it, monitoring ignores it. Every other intake event carries ids, codes and times only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ..actor import Actor, Role
from ..base import ContractEvent, Region
from ..nik import NIK
from .common import (
    EXAMPLE_COMPLAINT_ID,
    EXAMPLE_RECEIPT,
    EXAMPLE_REGION,
    EXAMPLE_TIME,
    Channel,
    ComplaintType,
    ServiceField,
)

PROGRAMME_PATTERN = r"^[A-Za-z][A-Za-z0-9-]{1,31}$"
ProgrammeCode = Annotated[str, Field(pattern=PROGRAMME_PATTERN, description="Programme code, e.g. PKH, PBI-JK")]


class ComplaintSource(StrEnum):
    """Kendari SOP V.C.2: complaints come from beneficiaries and non-beneficiaries."""

    BENEFICIARY = "beneficiary"
    NON_BENEFICIARY = "non_beneficiary"


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"


class ComplaintIdentity(BaseModel):
    """The person or household concerned and the complainant (who may be someone else).

    Confidential by default (Kendari SOP V.D.1 "Rahasia"): disclosed beyond the staff handling the
    case only with ``consent_to_disclose`` or where a service needs it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    nik: NIK | None = Field(default=None, description="NIK of the person concerned; absent = no NIK (a legitimate case)")
    name: str | None = Field(default=None, min_length=1, max_length=120)
    birth_date: dt.date | None = None
    sex: Sex | None = None
    address: str | None = Field(default=None, max_length=300)
    family_card_number: str | None = Field(default=None, pattern=r"^\d{16}$", description="KK number, 16 digits")
    complainant_name: str | None = Field(
        default=None, max_length=120, description="Who brought the complaint, when not the person concerned"
    )
    complainant_relation: str | None = Field(default=None, max_length=60, examples=["ibu", "tetangga", "kader"])
    consent_to_disclose: bool = Field(
        default=False, description="The complainant agreed that the identity may be disclosed (e.g. in referrals)"
    )


class Level(StrEnum):
    """Where a complaint is handled (tiered handling, Kendari SOP V.D.2 "Berjenjang")."""

    FRONT_OFFICE = "front_office"  # answered at the desk (questions)
    PUSKESOS = "puskesos"  # village
    SUPERVISOR = "supervisor"  # sub-district
    BACK_OFFICE = "back_office"  # district secretariat, by field
    MANAGER = "manager"  # district SLRT manager


class EscalationReason(StrEnum):
    MANUAL = "manual"  # the level passed it up, with a reason
    DEADLINE = "deadline"  # unresolved past the level's time standard
    APPEAL = "appeal"  # the complainant appealed against the resolution


class Outcome(StrEnum):
    RESOLVED_LOCALLY = "resolved_locally"  # handled by the level itself
    INFORMATION_GIVEN = "information_given"
    REFERRAL_COMPLETED = "referral_completed"  # an agency delivered the programme or service
    NOT_ELIGIBLE = "not_eligible"
    UNFOUNDED = "unfounded"  # the grievance was checked and not confirmed
    WITHDRAWN = "withdrawn"


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    NOT_SATISFIED = "not_satisfied"
    NOT_ASKED = "not_asked"  # the complainant could not be reached


class ClosedReason(StrEnum):
    ANSWERED_AT_FRONT_OFFICE = "answered_at_front_office"  # a question answered on the spot
    APPEAL_WINDOW_ENDED = "appeal_window_ended"


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
    source: ComplaintSource | None = None
    programme: ProgrammeCode | None = Field(default=None, description="Programme concerned, e.g. PKH, BPNT, PBI-JK, KIP")
    identity: ComplaintIdentity | None = Field(
        default=None, description="Confidential: only dtks (check, prelist) and referral (disclosure) keep it"
    )


class ComplaintAssessed(ContractEvent):
    """Review and analysis done: mapped to a field and handed to the level that handles it."""

    event_name = "ComplaintAssessed"
    producer = "intake"
    subject_pattern = "slrt.{district}.intake.complaint.assessed"
    entity_field = "complaint_id"

    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    region: Region
    field: ServiceField
    programmes_needed: list[ProgrammeCode] = Field(default_factory=list)
    level: Level
    due_at: dt.datetime = Field(description="When the level's time standard runs out")
    assessed_at: dt.datetime
    assessed_by: Actor


class ComplaintEscalated(ContractEvent):
    event_name = "ComplaintEscalated"
    producer = "intake"
    subject_pattern = "slrt.{district}.intake.complaint.escalated"
    entity_field = "complaint_id"

    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    region: Region
    from_level: Level
    to_level: Level
    reason: EscalationReason
    due_at: dt.datetime
    escalated_at: dt.datetime
    escalated_by: Actor


class ComplaintOverdue(ContractEvent):
    """A step missed its time standard (monitoring's compliance views)."""

    event_name = "ComplaintOverdue"
    producer = "intake"
    subject_pattern = "slrt.{district}.intake.complaint.overdue"
    entity_field = "complaint_id"

    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    region: Region
    step: str = Field(max_length=40, examples=["assessment", "handling_puskesos", "civil_registry"])
    level: Level | None = None
    due_at: dt.datetime
    detected_at: dt.datetime


class ComplaintResumed(ContractEvent):
    """A complaint that waited (for the civil-registry recommendation letter) continues."""

    event_name = "ComplaintResumed"
    producer = "intake"
    subject_pattern = "slrt.{district}.intake.complaint.resumed"
    entity_field = "complaint_id"

    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    region: Region
    letter_id: uuid.UUID | None = None
    resumed_at: dt.datetime


class ComplaintResolved(ContractEvent):
    event_name = "ComplaintResolved"
    producer = "intake"
    subject_pattern = "slrt.{district}.intake.complaint.resolved"
    entity_field = "complaint_id"

    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    region: Region
    level: Level
    outcome: Outcome
    satisfaction: Satisfaction
    appeal_until: dt.datetime
    resolved_at: dt.datetime
    resolved_by: Actor


class ComplaintAppealed(ContractEvent):
    """The complainant appealed within the window: the case reopens one level up."""

    event_name = "ComplaintAppealed"
    producer = "intake"
    subject_pattern = "slrt.{district}.intake.complaint.appealed"
    entity_field = "complaint_id"

    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    region: Region
    appeal_number: int = Field(ge=1)
    from_level: Level
    to_level: Level
    due_at: dt.datetime
    appealed_at: dt.datetime
    recorded_by: Actor


class ComplaintClosed(ContractEvent):
    event_name = "ComplaintClosed"
    producer = "intake"
    subject_pattern = "slrt.{district}.intake.complaint.closed"
    entity_field = "complaint_id"

    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    region: Region
    reason: ClosedReason
    closed_at: dt.datetime


class DisclosureConsentRecorded(ContractEvent):
    """The complainant gave or withdrew consent to disclose the identity (e.g. in referrals)."""

    event_name = "DisclosureConsentRecorded"
    producer = "intake"
    subject_pattern = "slrt.{district}.intake.complaint.consent"
    entity_field = "complaint_id"

    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    consent_to_disclose: bool
    recorded_at: dt.datetime
    recorded_by: Actor


class CitizenNotified(ContractEvent):
    """A message about the complaint was delivered to the citizen (text stays in intake)."""

    event_name = "CitizenNotified"
    producer = "intake"
    subject_pattern = "slrt.{district}.intake.complaint.notified"
    entity_field = "complaint_id"

    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    notice: str = Field(max_length=40, description="What the notice was about, e.g. registered, escalated")
    channel: str = Field(max_length=20, examples=["log", "sms", "whatsapp", "in_person"])
    notified_at: dt.datetime


def examples() -> list[ContractEvent]:
    at = EXAMPLE_TIME
    fo = Actor(id="fo-0012", role=Role.FRONT_OFFICE, region="1605")
    common = dict(district="1605", complaint_id=EXAMPLE_COMPLAINT_ID, receipt_number=EXAMPLE_RECEIPT)
    return [
        ComplaintRegistered(
            **common,
            registered_at=at,
            channel=Channel.FRONT_OFFICE,
            complaint_type=ComplaintType.GRIEVANCE,
            field=ServiceField.HEALTH,
            region=EXAMPLE_REGION,
            recorded_by=fo,
        ),
        ComplaintAssessed(
            **common, region=EXAMPLE_REGION, field=ServiceField.HEALTH, programmes_needed=["PBI-JK"],
            level=Level.BACK_OFFICE, due_at=at + dt.timedelta(days=7), assessed_at=at + dt.timedelta(minutes=20),
            assessed_by=fo,
        ),
        ComplaintEscalated(
            **common, region=EXAMPLE_REGION, from_level=Level.BACK_OFFICE, to_level=Level.MANAGER,
            reason=EscalationReason.DEADLINE, due_at=at + dt.timedelta(days=21), escalated_at=at + dt.timedelta(days=7),
            escalated_by=Actor(id="svc-intake", role=Role.SERVICE, region="1605"),
        ),
        ComplaintOverdue(
            **common, region=EXAMPLE_REGION, step="handling_back_office", level=Level.BACK_OFFICE,
            due_at=at + dt.timedelta(days=7), detected_at=at + dt.timedelta(days=7, seconds=15),
        ),
        ComplaintResumed(**common, region=EXAMPLE_REGION, letter_id=uuid.UUID("c2b8e6d4-91f3-4a27-b05d-8e3f6a7c4d03"),
                         resumed_at=at + dt.timedelta(days=1)),
        ComplaintResolved(
            **common, region=EXAMPLE_REGION, level=Level.MANAGER, outcome=Outcome.REFERRAL_COMPLETED,
            satisfaction=Satisfaction.SATISFIED, appeal_until=at + dt.timedelta(days=24),
            resolved_at=at + dt.timedelta(days=10), resolved_by=Actor(id="mgr-0001", role=Role.MANAGER, region="1605"),
        ),
        ComplaintAppealed(
            **common, region=EXAMPLE_REGION, appeal_number=1, from_level=Level.BACK_OFFICE, to_level=Level.MANAGER,
            due_at=at + dt.timedelta(days=30), appealed_at=at + dt.timedelta(days=12), recorded_by=fo,
        ),
        ComplaintClosed(**common, region=EXAMPLE_REGION, reason=ClosedReason.APPEAL_WINDOW_ENDED,
                        closed_at=at + dt.timedelta(days=24)),
        DisclosureConsentRecorded(**common, consent_to_disclose=True, recorded_at=at + dt.timedelta(minutes=5),
                                  recorded_by=fo),
        CitizenNotified(**common, notice="registered", channel="log", notified_at=at + dt.timedelta(seconds=20)),
    ]


EVENTS: tuple[type[ContractEvent], ...] = (
    ComplaintRegistered, ComplaintAssessed, ComplaintEscalated, ComplaintOverdue, ComplaintResumed,
    ComplaintResolved, ComplaintAppealed, ComplaintClosed, DisclosureConsentRecorded, CitizenNotified,
)

SUBJECT_PARAMETERS: dict[str, dict[str, object]] = {}
"""Documentation of the subject placeholders this module adds (beyond district)."""
