"""HTTP API of the letters service.

Who may do what is the SOP's flow: the officer (pengelola, or the SLRT front/back office) drafts
the letter, Kasi, Kabid and Sekdin initial it in that order, the Kadin signs. Role gates here are
the coarse filter; the letter itself decides whether this step is due (409) or this role's (403).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from slrt_contracts import NIK, Actor, ParafStep, Role
from slrt_runtime.auth import CurrentActor, ensure_covers, require_roles

from .application import LettersApplication
from .domain import LETTER_TYPES

router = APIRouter(prefix="/letters", tags=["letters"])

REQUESTING_ROLES = (Role.PENGELOLA, Role.FRONT_OFFICE, Role.BACK_OFFICE)
PARAF_ROLES = (Role.KASI, Role.KABID, Role.SEKDIN)
SIGNING_ROLES = (Role.KADIN,)
# Staff who see a letter: everyone in its chain, and the SLRT manager following up the complaint.
STAFF_ROLES = (*REQUESTING_ROLES, *PARAF_ROLES, *SIGNING_ROLES, Role.MANAGER)


class RequestLetter(BaseModel):
    letter_type: str = Field(description=f"One of: {', '.join(sorted(LETTER_TYPES))}", examples=["sktm"])
    nik: NIK = Field(description="Citizen's NIK; printed on the letter, shown elsewhere only masked")
    citizen_name: str = Field(min_length=1, max_length=200, description="As on the KTP; printed on the letter")
    purpose: str = Field(min_length=3, max_length=2000, examples=["Berobat di RSUD Dr. Sobirin"])
    complaint_id: UUID | None = Field(default=None, description="The complaint this letter answers, if any")
    receipt_number: str | None = Field(default=None, max_length=32, examples=["RK-1605-26-000001"])


class ParafView(BaseModel):
    step: ParafStep
    by: Actor
    at: dt.datetime


class LetterView(BaseModel):
    letter_id: UUID
    letter_type: str
    title: str
    district: str
    status: Literal["awaiting_paraf", "awaiting_signature", "signed"]
    next_step: Literal["kasi", "kabid", "sekdin", "sign"] | None
    complaint_id: UUID | None
    receipt_number: str | None
    nik_masked: str
    citizen_name: str
    purpose: str
    requested_at: dt.datetime
    requested_by: Actor
    paraf: list[ParafView]
    letter_number: str | None = Field(description="Nomor surat, given when the Kadin signs")
    signed_at: dt.datetime | None
    signed_by: Actor | None


def application(request: Request) -> LettersApplication:
    return request.app.state.application


App = Annotated[LettersApplication, Depends(application)]


@router.post("", status_code=201, response_model=LetterView, summary="Draft a letter for a citizen")
def request_letter(body: RequestLetter, app: App,
                   actor: Annotated[Actor, Depends(require_roles(*REQUESTING_ROLES))]) -> dict:
    # The letter is issued by this district's office: only its staff may draft one.
    ensure_covers(actor, app.settings.district)
    letter_id = app.request_letter(
        actor=actor,
        letter_type=body.letter_type,
        nik=body.nik,
        citizen_name=body.citizen_name,
        purpose=body.purpose,
        complaint_id=body.complaint_id,
        receipt_number=body.receipt_number,
    )
    return app.get_letter(letter_id)


@router.get("/{letter_id}", response_model=LetterView)
def read(letter_id: UUID, app: App, actor: Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]) -> dict:
    letter = app.get_letter(letter_id)
    ensure_covers(actor, letter["district"])
    return letter


@router.post("/{letter_id}/paraf", response_model=LetterView,
             summary="Initial the letter; the step is the caller's own rank (Kasi, Kabid or Sekdin)")
def paraf(letter_id: UUID, app: App, actor: Annotated[Actor, Depends(require_roles(*PARAF_ROLES))]) -> dict:
    ensure_covers(actor, app.get_letter(letter_id)["district"])
    return app.initial(letter_id, actor)


@router.post("/{letter_id}/sign", response_model=LetterView,
             summary="Sign the fully initialled letter; it gets the next letter number of the year")
def sign(letter_id: UUID, app: App, actor: Annotated[Actor, Depends(require_roles(*SIGNING_ROLES))]) -> dict:
    ensure_covers(actor, app.get_letter(letter_id)["district"])
    return app.sign(letter_id, actor)
