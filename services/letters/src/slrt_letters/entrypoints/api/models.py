"""Response models of the staff API (what the OpenAPI documents and what leaves the service)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field
from slrt_contracts import Actor

Status = Literal["requested", "documents_complete", "validation_failed", "verified", "returned", "awaiting_paraf",
                 "awaiting_signature", "signed", "issued", "rejected", "revoked"]


class Applicant(BaseModel):
    nik: str | None = Field(description="Masked (region and serial only); the full NIK is printed on paper only")
    name: str
    birth_place: str | None
    birth_date: dt.date | None
    sex: str | None
    address: str | None
    family_card_number: str | None
    organisation: bool


class Scan(BaseModel):
    sha256: str
    content_type: str
    size: int


class Document(BaseModel):
    code: str
    name: str
    optional: bool
    presented: bool
    scan: Scan | None


class Validation(BaseModel):
    passed: bool
    problems: list[str]
    messages: list[str]
    notes: list[str]
    dtks_found: bool | None
    programmes: list[str]
    registry_version: str | None


class Paraf(BaseModel):
    step: str
    by: Actor
    at: dt.datetime


class Signer(BaseModel):
    name: str
    nip: str
    position: str


class LetterView(BaseModel):
    letter_id: UUID
    letter_type: str
    title: str
    district: str
    region: str
    status: Status
    current_step: str | None = Field(description="Step whose time standard runs now")
    next_step: str | None = Field(description="Whose paraf is due (kasi, kabid, sekdin), or sign")
    complaint_id: UUID | None
    receipt_number: str | None
    request_id: str | None
    nik_masked: str | None
    citizen_name: str
    applicant: Applicant
    purpose: str
    destination: str | None
    found_location: str | None
    requested_at: dt.datetime
    requested_by: Actor
    documents: list[Document]
    missing_documents: list[str]
    validation: Validation | None
    paraf_chain: list[str]
    signers: list[str]
    paraf: list[Paraf]
    letter_number: str | None = Field(description="Nomor surat, given at signature")
    signed_at: dt.datetime | None
    signed_by: Actor | None
    signer: Signer | None = Field(description="The official who signed, as printed (from the district's officials)")
    issued_at: dt.datetime | None
    document_sha256: str | None
    rejection: dict[str, Any] | None
    returns: list[dict[str, Any]]
    revocation: dict[str, Any] | None
    overdue: list[dict[str, Any]]
    bpjs: dict[str, Any] | None
    applicant_notice: str | None = Field(description="What the applicant is told (e.g. BPJS decides, ~3 months)")


WaitingFor = Literal["kasi", "kabid", "sekdin", "sign"]


class LetterRow(BaseModel):
    """A letter in a list or a signer's queue."""

    letter_id: UUID
    letter_type: str
    title: str
    status: Status
    waiting_for: WaitingFor | None = Field(description="Whose paraf the letter waits for, or sign")
    signers: list[str] = Field(description="Roles that may sign this letter type")
    district: str
    region: str
    citizen_name: str | None
    nik_masked: str | None
    receipt_number: str | None
    complaint_id: UUID | None
    requested_at: dt.datetime
    step: str | None = Field(description="The step whose time standard runs now")
    step_since: dt.datetime | None = Field(description="When the letter entered that step")
    due_at: dt.datetime | None = Field(description="The step's due time (the letter type's time standard)")
    overdue: bool = Field(description="Past due_at at the moment of the answer")


class LetterList(BaseModel):
    region: str
    role: str | None = None
    total: int
    overdue: int = Field(description="How many of the total are past their step's due time")
    counts: dict[str, int] = Field(description="Letters per status")
    limit: int
    offset: int
    items: list[LetterRow]
