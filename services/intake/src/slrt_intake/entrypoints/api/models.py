"""Request and response bodies of the intake API."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError
from slrt_contracts import NIK, nik_contradictions, Actor, Channel, ComplaintType, Region, ServiceField, Text
from slrt_contracts.events.intake import (
    PROGRAMME_PATTERN,
    ProgrammeCode,
    ComplaintIdentity,
    ComplaintSource,
    Level,
    Outcome,
    Satisfaction,
)
from slrt_runtime.validation import KnownRegion

from ...application import Submission
from ...domain import Status


class IdentityInput(ComplaintIdentity):
    """The identity block as a desk sends it: the contract's fields, free text without control characters
    (the contract model itself stays as it is, so that events already stored keep loading)."""

    name: Text | None = Field(default=None, min_length=1, max_length=120)
    address: Text | None = Field(default=None, max_length=300)
    complainant_name: Text | None = Field(
        default=None, max_length=120, description="Who brought the complaint, when not the person concerned")
    complainant_relation: Text | None = Field(default=None, max_length=60, examples=["ibu", "tetangga", "kader"])

    @model_validator(mode="after")
    def _agrees_with_its_nik(self) -> "IdentityInput":
        return self.agrees_with(self.nik)

    def agrees_with(self, nik: str | None) -> "IdentityInput":
        """The birth date and sex given must be the ones the NIK encodes (the platform's one rule set)."""
        if nik is not None:
            problems = nik_contradictions(nik, birth_date=self.birth_date, sex=self.sex)
            if problems:
                raise PydanticCustomError("nik_contradiction", "; ".join(problems))
        return self

    def contract(self) -> ComplaintIdentity:
        return ComplaintIdentity(**self.model_dump())


class RegisterComplaint(BaseModel):
    complaint_id: UUID | None = Field(
        default=None, description="Made by a facilitator's app: a retry with the same id never registers twice")
    channel: Channel | None = Field(default=None, description="Defaults to the registering officer's channel")
    complaint_type: ComplaintType
    source: ComplaintSource | None = Field(default=None, description="Beneficiary or non-beneficiary")
    programme: str | None = Field(default=None, pattern=PROGRAMME_PATTERN, examples=["PKH", "PBI-JK"])
    field: ServiceField
    region: KnownRegion
    description: Text = Field(min_length=3, max_length=4000)
    nik: NIK | None = Field(default=None, description="The person's NIK; leave out when they have none")
    identity: IdentityInput | None = Field(default=None, description="Confidential: the person and the complainant")
    contact_phone: str | None = Field(default=None, pattern=r"^\+?\d{8,15}$", description="For SMS/WhatsApp notices")

    @model_validator(mode="after")
    def _identity_agrees_with_the_nik(self) -> "RegisterComplaint":
        if self.identity is not None and self.identity.nik is None:
            self.identity.agrees_with(self.nik)
        return self

    def submission(self) -> Submission:
        return Submission(
            complaint_type=self.complaint_type, field=self.field, region=self.region, description=self.description,
            channel=self.channel, nik=self.nik, source=self.source, programme=self.programme,
            identity=self.identity.contract() if self.identity else None,
            contact_phone=self.contact_phone, client_id=self.complaint_id)


class Batch(BaseModel):
    complaints: list[RegisterComplaint] = Field(min_length=1, max_length=200)


class PersonSearch(BaseModel):
    nik: NIK = Field(description="In the body, never in a URL: the person whose open complaints are wanted")


class OpenComplaint(BaseModel):
    complaint_id: UUID
    receipt_number: str
    status: Status
    village: str
    channel: Channel
    complaint_type: ComplaintType
    field: ServiceField
    registered_at: dt.datetime


class OpenComplaints(BaseModel):
    items: list[OpenComplaint] = Field(description="Open complaints of the person inside your region")
    elsewhere: int = Field(description="How many more open complaints of the person are outside your region")


class Receipt(BaseModel):
    complaint_id: UUID
    receipt_number: str
    queue_number: int | None = None
    tracking_path: str
    receipt_pdf_path: str


class BatchItem(BaseModel):
    complaint_id: UUID | None
    result: str = Field(description="registered | already_registered | conflict | forbidden | refused")
    receipt_number: str | None = None
    error: str | None = None


class BatchResult(BaseModel):
    results: list[BatchItem]


class Answer(BaseModel):
    answer: Text = Field(min_length=3, max_length=4000, description="What the desk told the citizen")


class Assess(BaseModel):
    field: ServiceField | None = Field(default=None, description="Mapped field; default: as registered")
    programmes_needed: list[ProgrammeCode] = Field(default_factory=list, max_length=20)
    note: Text | None = Field(default=None, max_length=2000)


class Escalate(BaseModel):
    reason: Text = Field(min_length=3, max_length=2000, description="Why this level cannot resolve it")


class Resolve(BaseModel):
    outcome: Outcome
    satisfaction: Satisfaction
    note: Text | None = Field(default=None, max_length=2000)


class Appeal(BaseModel):
    reason: Text = Field(min_length=3, max_length=2000)


class Consent(BaseModel):
    consent_to_disclose: bool


class Notice(BaseModel):
    number: int
    kind: str
    message: str
    delivered_by: str | None


class ComplaintView(BaseModel):
    complaint_id: UUID
    receipt_number: str
    registered_at: dt.datetime
    channel: Channel
    complaint_type: ComplaintType
    source: ComplaintSource | None
    programme: str | None
    field: ServiceField
    region: Region
    description: str
    nik_masked: str | None
    registered_by: Actor
    queue_number: int | None
    status: Status
    level: Level | None
    due_at: dt.datetime | None
    dtks: dict[str, Any] | None
    programmes_needed: list[str]
    referrals: list[dict[str, Any]]
    resolution: dict[str, Any] | None
    appeal_until: dt.datetime | None
    appeals: int
    overdue_steps: list[str]
    consent_to_disclose: bool
    identity: ComplaintIdentity | None = Field(description="Only for the staff handling complaints in this region")
    identity_withheld: bool
    contact_phone: str | None
    tell_citizen: str | None = Field(description="What to tell the citizen now")
    notices: list[Notice]
    history: list[dict[str, Any]]
