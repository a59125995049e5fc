"""Events published by the letters service (recommendation letters)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ..actor import Actor, Role
from ..base import ContractEvent
from .common import (
    EXAMPLE_COMPLAINT_ID,
    EXAMPLE_LETTER_ID,
    EXAMPLE_RECEIPT,
    EXAMPLE_TIME,
)


class ParafStep(StrEnum):
    KASI = "kasi"
    KABID = "kabid"
    SEKDIN = "sekdin"


LetterTypeCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,63}$",
                                      description="Letter type code of the letters catalogue, e.g. sktm")]
RegionCode = Annotated[str, Field(pattern=r"^\d{2}(\d{2}(\d{2}(\d{4})?)?)?$",
                                  description="Region code the letter is scoped to (applicant's village, or the district)")]


class LetterStep(StrEnum):
    """Steps of a letter's workflow; each has a time standard in the letter-type catalogue."""

    DOCUMENTS = "documents"  # documents checked against the checklist
    VERIFICATION = "verification"  # DTKS match, PBI double registration, SKTM consistency
    DRAFTING = "drafting"
    PARAF = "paraf"
    SIGNATURE = "signature"
    ISSUE = "issue"  # rendered, digitally signed, archived


class BpjsAction(StrEnum):
    ENROLMENT = "enrolment"  # KIS PBI-Daerah submission
    DEACTIVATION = "deactivation"


class BpjsDecision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class _LetterEvent(ContractEvent):
    """Fields every letter event carries: the letter, its type and what it is linked to. Never the
    applicant's NIK or name: those stay in the letters service (the letter prints them)."""

    producer = "letters"
    entity_field = "letter_id"

    letter_id: uuid.UUID
    letter_type: LetterTypeCode
    complaint_id: uuid.UUID | None = None
    receipt_number: str | None = Field(default=None, max_length=32)


class LetterRequested(_LetterEvent):
    event_name = "LetterRequested"
    subject_pattern = "slrt.{district}.letters.letter.requested"

    requested_at: dt.datetime
    requested_by: Actor
    region: RegionCode | None = None


class LetterInitialled(_LetterEvent):
    event_name = "LetterInitialled"
    subject_pattern = "slrt.{district}.letters.letter.initialled"

    step: ParafStep
    initialled_at: dt.datetime
    initialled_by: Actor
    region: RegionCode | None = None


class LetterSigned(_LetterEvent):
    event_name = "LetterSigned"
    subject_pattern = "slrt.{district}.letters.letter.signed"

    letter_number: str = Field(max_length=64)
    signed_at: dt.datetime
    signed_by: Actor
    region: RegionCode | None = None


class LetterDocumentsChecked(_LetterEvent):
    """The officer checked the documents against the letter type's checklist (codes, not contents)."""

    event_name = "LetterDocumentsChecked"
    subject_pattern = "slrt.{district}.letters.letter.documents-checked"

    region: RegionCode | None = None
    presented: list[str] = Field(description="Checklist codes of the documents presented")
    missing: list[str] = Field(description="Checklist codes still missing; the letter is not issued while any is")
    complete: bool
    checked_at: dt.datetime
    checked_by: Actor


class LetterValidated(_LetterEvent):
    """Result of the letter type's validations (DTKS match, PBI double registration, SKTM consistency)."""

    event_name = "LetterValidated"
    subject_pattern = "slrt.{district}.letters.letter.validated"

    region: RegionCode | None = None
    passed: bool
    problems: list[str] = Field(default_factory=list, description="Codes of the rules that failed, e.g. pbi_double_registration")
    dtks_found: bool | None = None
    validated_at: dt.datetime


class LetterRejected(_LetterEvent):
    event_name = "LetterRejected"
    subject_pattern = "slrt.{district}.letters.letter.rejected"

    region: RegionCode | None = None
    step: LetterStep
    reason: str = Field(max_length=500, description="Staff's reason; written without personal data")
    rejected_at: dt.datetime
    rejected_by: Actor


class LetterReturned(_LetterEvent):
    """Returned for revision: the draft and its paraf are void; the officer revises and drafts again."""

    event_name = "LetterReturned"
    subject_pattern = "slrt.{district}.letters.letter.returned"

    region: RegionCode | None = None
    step: LetterStep
    reason: str = Field(max_length=500)
    returned_at: dt.datetime
    returned_by: Actor


class LetterIssued(_LetterEvent):
    """Rendered, digitally signed and archived: the letter can be handed over and verified publicly."""

    event_name = "LetterIssued"
    subject_pattern = "slrt.{district}.letters.letter.issued"

    region: RegionCode | None = None
    letter_number: str = Field(max_length=64)
    document_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Hash of the signed PDF, for verification")
    issued_at: dt.datetime


class LetterRevoked(_LetterEvent):
    event_name = "LetterRevoked"
    subject_pattern = "slrt.{district}.letters.letter.revoked"

    region: RegionCode | None = None
    letter_number: str = Field(max_length=64)
    reason: str = Field(max_length=500)
    revoked_at: dt.datetime
    revoked_by: Actor


class LetterOverdue(_LetterEvent):
    """A step of the letter missed its time standard (counted by monitoring)."""

    event_name = "LetterOverdue"
    subject_pattern = "slrt.{district}.letters.letter.overdue"

    step: LetterStep
    due_at: dt.datetime
    region: RegionCode
    detected_at: dt.datetime


class LetterSubmittedToBpjs(_LetterEvent):
    """The letter went to BPJS Kesehatan in the month's collective batch; BPJS decides (about 3 months)."""

    event_name = "LetterSubmittedToBpjs"
    subject_pattern = "slrt.{district}.letters.letter.bpjs-submitted"

    region: RegionCode | None = None
    batch_id: uuid.UUID
    period: str = Field(pattern=r"^\d{4}-\d{2}$", description="Batch month, YYYY-MM")
    action: BpjsAction
    submitted_at: dt.datetime


class LetterBpjsDecided(_LetterEvent):
    """BPJS's answer for this request, from the reconciliation file."""

    event_name = "LetterBpjsDecided"
    subject_pattern = "slrt.{district}.letters.letter.bpjs-decided"

    region: RegionCode | None = None
    batch_id: uuid.UUID
    action: BpjsAction
    decision: BpjsDecision
    reason: str | None = Field(default=None, max_length=500)
    decided_at: dt.datetime


class BpjsBatchClosed(ContractEvent):
    """The month's collective KIS PBI-Daerah batch was closed and its file made for BPJS."""

    event_name = "BpjsBatchClosed"
    producer = "letters"
    subject_pattern = "slrt.{district}.letters.bpjs-batch.closed"
    entity_field = "batch_id"

    batch_id: uuid.UUID
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    enrolments: int = Field(ge=0)
    deactivations: int = Field(ge=0)
    closed_at: dt.datetime


class BpjsBatchReconciled(ContractEvent):
    """BPJS's reconciliation file for a batch was applied."""

    event_name = "BpjsBatchReconciled"
    producer = "letters"
    subject_pattern = "slrt.{district}.letters.bpjs-batch.reconciled"
    entity_field = "batch_id"

    batch_id: uuid.UUID
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    accepted: int = Field(ge=0)
    rejected: int = Field(ge=0)
    pending: int = Field(ge=0, description="Requests of the batch BPJS has not answered yet")
    reconciled_at: dt.datetime


_PENGELOLA = Actor(id="pg-0003", role=Role.PENGELOLA, region="1605")
_EXAMPLE_BATCH_ID = uuid.UUID("5b1d7e2a-40c6-4e3b-9f18-6a2d3c4b5e06")


def examples() -> list[ContractEvent]:
    at = EXAMPLE_TIME
    return [
        LetterRequested(
            district="1605",
            letter_id=EXAMPLE_LETTER_ID,
            letter_type="sktm",
            complaint_id=EXAMPLE_COMPLAINT_ID,
            receipt_number=EXAMPLE_RECEIPT,
            requested_at=at + dt.timedelta(hours=1),
            requested_by=Actor(id="pg-0003", role=Role.PENGELOLA, region="1605"),
        ),
        LetterInitialled(
            district="1605",
            letter_id=EXAMPLE_LETTER_ID,
            letter_type="sktm",
            complaint_id=EXAMPLE_COMPLAINT_ID,
            receipt_number=EXAMPLE_RECEIPT,
            step=ParafStep.KASI,
            initialled_at=at + dt.timedelta(hours=2),
            initialled_by=Actor(id="kasi-0002", role=Role.KASI, region="1605"),
        ),
        LetterSigned(
            district="1605",
            letter_id=EXAMPLE_LETTER_ID,
            letter_type="sktm",
            letter_number="400.9/0123/DINSOS/2025",
            complaint_id=EXAMPLE_COMPLAINT_ID,
            receipt_number=EXAMPLE_RECEIPT,
            signed_at=at + dt.timedelta(hours=5),
            signed_by=Actor(id="kadin-0001", role=Role.KADIN, region="1605"),
        ),
        LetterDocumentsChecked(
            district="1605", letter_id=EXAMPLE_LETTER_ID, letter_type="rec-kis-pbid-enrolment",
            complaint_id=EXAMPLE_COMPLAINT_ID, receipt_number=EXAMPLE_RECEIPT, region="1605012001",
            presented=["sktm", "kk"], missing=["ktp"], complete=False,
            checked_at=at + dt.timedelta(minutes=70), checked_by=_PENGELOLA,
        ),
        LetterValidated(
            district="1605", letter_id=EXAMPLE_LETTER_ID, letter_type="rec-kis-pbid-enrolment",
            complaint_id=EXAMPLE_COMPLAINT_ID, receipt_number=EXAMPLE_RECEIPT, region="1605012001",
            passed=False, problems=["pbi_double_registration"], dtks_found=True,
            validated_at=at + dt.timedelta(minutes=80),
        ),
        LetterRejected(
            district="1605", letter_id=EXAMPLE_LETTER_ID, letter_type="rec-kis-pbid-enrolment",
            complaint_id=EXAMPLE_COMPLAINT_ID, receipt_number=EXAMPLE_RECEIPT, region="1605012001",
            step=LetterStep.VERIFICATION, reason="Sudah terdaftar sebagai peserta PBI-JK (PBI-Pusat)",
            rejected_at=at + dt.timedelta(minutes=90), rejected_by=_PENGELOLA,
        ),
        LetterReturned(
            district="1605", letter_id=EXAMPLE_LETTER_ID, letter_type="sktm",
            complaint_id=EXAMPLE_COMPLAINT_ID, receipt_number=EXAMPLE_RECEIPT, region="1605012001",
            step=LetterStep.PARAF, reason="Tujuan surat belum lengkap",
            returned_at=at + dt.timedelta(hours=3), returned_by=Actor(id="kabid-0001", role=Role.KABID, region="1605"),
        ),
        LetterIssued(
            district="1605", letter_id=EXAMPLE_LETTER_ID, letter_type="sktm",
            complaint_id=EXAMPLE_COMPLAINT_ID, receipt_number=EXAMPLE_RECEIPT, region="1605012001",
            letter_number="427.42/0123/Dinsos/2025", document_sha256="0" * 64,
            issued_at=at + dt.timedelta(hours=5, seconds=1),
        ),
        LetterRevoked(
            district="1605", letter_id=EXAMPLE_LETTER_ID, letter_type="sktm",
            complaint_id=EXAMPLE_COMPLAINT_ID, receipt_number=EXAMPLE_RECEIPT, region="1605012001",
            letter_number="427.42/0123/Dinsos/2025", reason="Diterbitkan atas data yang keliru",
            revoked_at=at + dt.timedelta(days=3), revoked_by=Actor(id="kadin-0001", role=Role.KADIN, region="1605"),
        ),
        LetterOverdue(
            district="1605", letter_id=EXAMPLE_LETTER_ID, letter_type="sktm",
            complaint_id=EXAMPLE_COMPLAINT_ID, receipt_number=EXAMPLE_RECEIPT, region="1605012001",
            step=LetterStep.PARAF, due_at=at + dt.timedelta(hours=3), detected_at=at + dt.timedelta(hours=3, seconds=5),
        ),
        LetterSubmittedToBpjs(
            district="1605", letter_id=EXAMPLE_LETTER_ID, letter_type="rec-kis-pbid-enrolment",
            complaint_id=EXAMPLE_COMPLAINT_ID, receipt_number=EXAMPLE_RECEIPT, region="1605012001",
            batch_id=_EXAMPLE_BATCH_ID, period="2025-03", action=BpjsAction.ENROLMENT,
            submitted_at=at + dt.timedelta(days=28),
        ),
        LetterBpjsDecided(
            district="1605", letter_id=EXAMPLE_LETTER_ID, letter_type="rec-kis-pbid-enrolment",
            complaint_id=EXAMPLE_COMPLAINT_ID, receipt_number=EXAMPLE_RECEIPT, region="1605012001",
            batch_id=_EXAMPLE_BATCH_ID, action=BpjsAction.ENROLMENT, decision=BpjsDecision.ACCEPTED,
            decided_at=at + dt.timedelta(days=90),
        ),
        BpjsBatchClosed(
            district="1605", batch_id=_EXAMPLE_BATCH_ID, period="2025-03", enrolments=12, deactivations=3,
            closed_at=at + dt.timedelta(days=28),
        ),
        BpjsBatchReconciled(
            district="1605", batch_id=_EXAMPLE_BATCH_ID, period="2025-03", accepted=10, rejected=2, pending=3,
            reconciled_at=at + dt.timedelta(days=90),
        ),
    ]


EVENTS: tuple[type[ContractEvent], ...] = (
    LetterRequested, LetterInitialled, LetterSigned, LetterDocumentsChecked, LetterValidated, LetterRejected,
    LetterReturned, LetterIssued, LetterRevoked, LetterOverdue, LetterSubmittedToBpjs, LetterBpjsDecided,
    BpjsBatchClosed, BpjsBatchReconciled,
)

SUBJECT_PARAMETERS: dict[str, dict[str, object]] = {}
"""Documentation of the subject placeholders this module adds (beyond district)."""
