"""Events published by the letters service (recommendation letters)."""

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


class ParafStep(StrEnum):
    KASI = "kasi"
    KABID = "kabid"
    SEKDIN = "sekdin"


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
    ]


EVENTS: tuple[type[ContractEvent], ...] = (LetterRequested, LetterInitialled, LetterSigned,)

SUBJECT_PARAMETERS: dict[str, dict[str, object]] = {}
"""Documentation of the subject placeholders this module adds (beyond district)."""
