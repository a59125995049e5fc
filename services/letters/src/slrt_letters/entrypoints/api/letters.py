"""HTTP API of the letters service for staff.

Who may do what is the SOP's flow: the officer (pengelola, or the SLRT front/back office) receives
the applicant, checks the documents, verifies and drafts; Kasi, Kabid and Sekdin initial in the
letter type's order; the Kadin (or the Sekdin where the SOP allows) signs. Role gates here are the
coarse filter; the letter itself decides whether this step is due (409) or this person's (403).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, File, Header, Path, Response, UploadFile
from pydantic import BaseModel, Field
from slrt_contracts import NIK, Actor, ReceiptNumber, Text
from slrt_contracts.events.intake import Sex
from slrt_contracts.events.letters import LetterTypeCode
from slrt_runtime.auth import ensure_covers, require_roles
from slrt_runtime.validation import KnownRegionCode

from .common import CHAIN_ROLES, OFFICER_ROLES, PARAF_ROLES, SIGNING_ROLES, STAFF_ROLES, App, read_upload
from .models import LetterView

router = APIRouter(prefix="/letters", tags=["letters"])

DOCUMENT_CODE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
DocumentCode = Annotated[str, Field(pattern=DOCUMENT_CODE_PATTERN, description="Checklist code of a document",
                                    examples=["sktm"])]


class Sktm(BaseModel):
    """The SKTM the applicant brings, as far as it is given (checked against the civil-registry data)."""

    number: Text | None = Field(default=None, max_length=64)
    nik: NIK | None = None
    name: Text | None = Field(default=None, max_length=200)
    birth_date: dt.date | None = None


class RequestLetter(BaseModel):
    letter_type: LetterTypeCode = Field(examples=["rec-kis-pbid-enrolment"], description="See GET /letters/types")
    request_id: str | None = Field(default=None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$",
                                   description="Client-chosen id: sending the same request again returns the same letter")
    nik: NIK | None = Field(default=None, description="Printed on the letter, shown elsewhere only masked")
    citizen_name: Text = Field(min_length=1, max_length=200, description="As on the KTP (or the organisation)")
    birth_place: Text | None = Field(default=None, max_length=100)
    birth_date: dt.date | None = Field(default=None, description="Taken from the NIK when there is one")
    sex: Sex | None = Field(default=None, description="Taken from the NIK when there is one; refused if it disagrees")
    address: Text | None = Field(default=None, max_length=300)
    family_card_number: str | None = Field(default=None, pattern=r"^\d{16}$")
    region: KnownRegionCode | None = Field(default=None,
                               description="Applicant's village (or sub-district) code; default the district")
    purpose: Text = Field(min_length=3, max_length=2000, examples=["Berobat di RSUD Dr. Sobirin"])
    destination: Text | None = Field(default=None, max_length=300, examples=["RSUD Dr. Sobirin"])
    found_location: Text | None = Field(default=None, max_length=500)
    sktm: Sktm | None = None
    complaint_id: UUID | None = Field(default=None, description="The complaint this letter answers, if any")
    receipt_number: ReceiptNumber | None = None
    documents_presented: list[DocumentCode] = Field(default_factory=list, max_length=20,
                                           description="Checklist codes presented at the desk")


class Documents(BaseModel):
    presented: dict[DocumentCode, bool] = Field(max_length=40, description="Checklist code -> presented", examples=[{"sktm": True, "kk": True}])


class Draft(BaseModel):
    destination: Text | None = Field(default=None, max_length=300)
    purpose: Text | None = Field(default=None, min_length=3, max_length=2000, description="Correction on revision")
    found_location: Text | None = Field(default=None, max_length=500, description="Correction on revision")
    address: Text | None = Field(default=None, max_length=300, description="Correction on revision")
    birth_place: Text | None = Field(default=None, max_length=100, description="Correction on revision")


class Reason(BaseModel):
    reason: Text = Field(min_length=3, max_length=500, description="Shown to staff and published; no personal data")


Officer = Annotated[Actor, Depends(require_roles(*OFFICER_ROLES))]
Chain = Annotated[Actor, Depends(require_roles(*CHAIN_ROLES))]


@router.get("/types", summary="The letter-type catalogue: documents, checks, approval chain, time standards")
def letter_types(app: App, actor: Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]) -> list[dict[str, Any]]:
    return [{
        "code": t.code, "title": t.title, "kind": t.kind, "source": dict(t.source),
        "documents": [{"code": d.code, "name": d.name, "optional": d.optional} for d in t.documents],
        "validations": [v.rule.value for v in t.validations], "paraf_chain": [s.value for s in t.paraf_chain],
        "signers": [r.value for r in t.signers], "contents": [e.value for e in t.contents],
        "time_standards": {s.value: str(ts) for s, ts in t.time_standards.items()},
        "nik_required": t.nik_required, "bpjs_batch": t.bpjs_batch, "applicant_notice": t.applicant_notice,
    } for t in app.catalogue.values()]


@router.post("", status_code=201, response_model=LetterView, summary="Receive an application for a letter (idempotent with request_id)")
def request_letter(body: RequestLetter, app: App, actor: Officer, response: Response,
                   idempotency_key: Annotated[str | None, Header(max_length=64)] = None) -> dict[str, Any]:
    # The letter is issued by this district's office: only its staff may draft one.
    ensure_covers(actor, body.region or app.settings.district)
    fields = body.model_dump(exclude={"letter_type", "request_id", "documents_presented"})
    letter_id, created = app.request_letter(actor=actor, letter_type=body.letter_type, fields=fields,
                                            request_id=body.request_id or idempotency_key,
                                            documents_presented=body.documents_presented)
    if not created:
        response.status_code = 200
    return app.get_letter(letter_id)


def _covered(app: App, letter_id: UUID, actor: Actor) -> None:
    ensure_covers(actor, app.letter_region(letter_id))


@router.get("/{letter_id}", response_model=LetterView)
def read(letter_id: UUID, app: App, actor: Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]) -> dict[str, Any]:
    _covered(app, letter_id, actor)
    return app.get_letter(letter_id)


@router.get("/{letter_id}/pdf", response_class=Response, summary="The signed letter (PDF), once issued")
def pdf(letter_id: UUID, app: App, actor: Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]) -> Response:
    _covered(app, letter_id, actor)
    return Response(app.letter_pdf(letter_id), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="letter-{letter_id}.pdf"'})


@router.post("/{letter_id}/documents", response_model=LetterView, summary="Mark documents of the checklist presented (or not)")
def documents(letter_id: UUID, body: Documents, app: App, actor: Officer) -> dict[str, Any]:
    _covered(app, letter_id, actor)
    return app.check_documents(letter_id, actor, body.presented)


@router.post("/{letter_id}/documents/{code}/scan", response_model=LetterView, summary="Upload the scan of a document (PDF, JPEG, PNG)")
def scan(letter_id: UUID, code: Annotated[str, Path(pattern=DOCUMENT_CODE_PATTERN)], app: App, actor: Officer, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    _covered(app, letter_id, actor)
    return app.attach_scan(letter_id, actor, code, read_upload(file, app.settings.letters_max_upload_bytes))


@router.post("/{letter_id}/verify", response_model=LetterView, summary="Run the letter type's checks (DTKS match, PBI, SKTM)")
def verify(letter_id: UUID, app: App, actor: Officer) -> dict[str, Any]:
    _covered(app, letter_id, actor)
    return app.verify(letter_id, actor)


@router.post("/{letter_id}/draft", response_model=LetterView, summary="Draft the letter (verifies first if not yet verified)")
def draft(letter_id: UUID, app: App, actor: Officer, body: Draft | None = None) -> dict[str, Any]:
    _covered(app, letter_id, actor)
    corrections = body.model_dump(exclude={"destination"}, exclude_none=True) if body else None
    return app.draft(letter_id, actor, body.destination if body else None, corrections)


@router.post("/{letter_id}/paraf", response_model=LetterView, summary="Initial the letter; the step is the caller's own rank")
def paraf(letter_id: UUID, app: App, actor: Annotated[Actor, Depends(require_roles(*PARAF_ROLES))]) -> dict[str, Any]:
    _covered(app, letter_id, actor)
    return app.initial(letter_id, actor)


@router.post("/{letter_id}/sign", response_model=LetterView, summary="Sign: takes the next number, renders, seals (PAdES) and issues")
def sign(letter_id: UUID, app: App, actor: Annotated[Actor, Depends(require_roles(*SIGNING_ROLES))]) -> dict[str, Any]:
    _covered(app, letter_id, actor)
    return app.sign(letter_id, actor)


@router.post("/{letter_id}/issue", response_model=LetterView, summary="Finish the issuance of a signed letter (after an interruption)")
def issue(letter_id: UUID, app: App, actor: Chain) -> dict[str, Any]:
    _covered(app, letter_id, actor)
    return app.issue(letter_id)


@router.post("/{letter_id}/reject", response_model=LetterView, summary="Reject the application, with the reason")
def reject(letter_id: UUID, body: Reason, app: App, actor: Chain) -> dict[str, Any]:
    _covered(app, letter_id, actor)
    return app.reject(letter_id, actor, body.reason)


@router.post("/{letter_id}/return", response_model=LetterView, summary="Return the draft for revision, with the reason")
def return_for_revision(letter_id: UUID, body: Reason, app: App, actor: Chain) -> dict[str, Any]:
    _covered(app, letter_id, actor)
    return app.return_for_revision(letter_id, actor, body.reason)


@router.post("/{letter_id}/revoke", response_model=LetterView, summary="Revoke an issued letter, with the reason (shown on the public page)")
def revoke(letter_id: UUID, body: Reason, app: App,
           actor: Annotated[Actor, Depends(require_roles(*SIGNING_ROLES))]) -> dict[str, Any]:
    _covered(app, letter_id, actor)
    return app.revoke(letter_id, actor, body.reason)
