"""HTTP API of the prelist and verivali workflow (proposals, review, recommendation, field
verification, export to the ministry system, the ministry's decisions)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field, model_validator
from slrt_contracts import Actor, Region, Role, Text
from slrt_contracts.values import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from slrt_contracts.events.dtks import PrelistRejectReason, PrelistSource
from slrt_contracts.nik import NIK
from slrt_runtime.auth import require_roles
from slrt_runtime.errors import DomainError
from slrt_runtime.validation import KnownRegion

from .registry import App
from ...domain.prelist import Proposal, Status

router = APIRouter(prefix="/prelist", tags=["prelist"])

PROPOSER_ROLES = (Role.FRONT_OFFICE, Role.PUSKESOS, Role.FACILITATOR, Role.BACK_OFFICE)
READER_ROLES = (*PROPOSER_ROLES, Role.SUPERVISOR, Role.MANAGER, Role.DTKS_OPERATOR)
EXPORT_ROLES = (Role.DTKS_OPERATOR, Role.MANAGER)
DECISION_ROLES = (Role.DTKS_OPERATOR,)
VERIFIER_ROLES = (Role.FACILITATOR, Role.PUSKESOS)


class Profile(BaseModel):
    """The basic profile the ministry's prelist form asks for."""

    nik: NIK | None = Field(default=None, description="Absent when the person has no NIK (yet)")
    name: Text = Field(min_length=2, max_length=120)
    sex: Literal["M", "F"]
    birth_place: Text | None = Field(default=None, max_length=80)
    birth_date: dt.date
    address: Text = Field(min_length=3, max_length=300)
    family_card: str | None = Field(default=None, pattern=r"^\d{16}$")
    household_members: int = Field(default=1, ge=1, le=30)


class ProposalRequest(BaseModel):
    region: KnownRegion
    profile: Profile
    note: Text = Field(default="", max_length=500)


class StepRequest(BaseModel):
    approve: bool = True
    reason: PrelistRejectReason | None = Field(default=None, description="Required when approve is false")
    note: Text = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _reason_when_refused(self) -> "StepRequest":
        if not self.approve and self.reason is None:
            raise ValueError("a rejection needs a reason")
        return self


class VerificationRequest(BaseModel):
    result: Literal["verified", "rejected"]
    reason: PrelistRejectReason | None = None
    note: Text = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _reason_when_rejected(self) -> "VerificationRequest":
        if self.result == "rejected" and self.reason is None:
            raise ValueError("a rejected verification needs a reason")
        return self


class ProposalView(BaseModel):
    proposal_id: UUID
    status: Status
    source: PrelistSource
    region: Region
    complaint_id: UUID | None
    proposed_at: dt.datetime
    profile: dict[str, Any] = Field(description="Personal data: staff only")
    history: list[dict[str, Any]]
    rejection: dict[str, str] | None
    batch_id: UUID | None
    decision: str | None


class StatusView(BaseModel):
    proposal_id: UUID
    status: Status


class BatchView(BaseModel):
    batch_id: UUID
    proposals: int
    exported_at: dt.datetime
    file: str = Field(description="Where to download the batch file (CSV)")


class DecisionsView(BaseModel):
    applied: int
    problems: list[dict[str, Any]]


def _view(p: Proposal) -> ProposalView:
    return ProposalView(proposal_id=p.id, status=p.status, source=p.source, region=p.region,
                        complaint_id=p.complaint_id, proposed_at=p.proposed_at, profile=p.profile, history=p.history,
                        rejection=p.rejection, batch_id=p.batch_id, decision=p.decision)


@router.post("/proposals", response_model=StatusView, status_code=201,
             summary="Propose someone not in DTKS (refused when already in DTKS or already proposed)")
def propose(body: ProposalRequest, app: App, actor: Annotated[Actor, Depends(require_roles(*PROPOSER_ROLES))]) -> StatusView:
    profile = body.profile.model_dump(mode="json", exclude_none=True)
    pid = app.propose(actor, body.region, profile, body.note)
    return StatusView(proposal_id=pid, status=Status.PROPOSED)


@router.get("/proposals", response_model=list[ProposalView], summary="Proposals in your region")
def list_proposals(app: App, actor: Annotated[Actor, Depends(require_roles(*READER_ROLES))], response: Response,
                   status: Status | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ProposalView]:
    response.headers["Cache-Control"] = "no-store"
    return [_view(p) for p in app.proposals(actor, status, limit)]


@router.get("/proposals/{proposal_id}", response_model=ProposalView, summary="One proposal")
def read_proposal(proposal_id: UUID, app: App, actor: Annotated[Actor, Depends(require_roles(*READER_ROLES))],
                  response: Response) -> ProposalView:
    response.headers["Cache-Control"] = "no-store"
    return _view(app.get_proposal(actor, proposal_id))


@router.post("/proposals/{proposal_id}/review", response_model=StatusView, summary="Supervisor's review")
def review(proposal_id: UUID, body: StepRequest, app: App,
           actor: Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]) -> StatusView:
    status = app.review(actor, proposal_id, body.approve, body.reason, body.note)
    return StatusView(proposal_id=proposal_id, status=status)


@router.post("/proposals/{proposal_id}/recommendation", response_model=StatusView,
             summary="Manager's recommendation for field verification")
def recommend(proposal_id: UUID, body: StepRequest, app: App,
              actor: Annotated[Actor, Depends(require_roles(Role.MANAGER))]) -> StatusView:
    status = app.recommend(actor, proposal_id, body.approve, body.reason, body.note)
    return StatusView(proposal_id=proposal_id, status=status)


@router.post("/proposals/{proposal_id}/verification", response_model=StatusView,
             summary="Field verification result (verivali): verified, or rejected with a reason")
def verification(proposal_id: UUID, body: VerificationRequest, app: App,
                 actor: Annotated[Actor, Depends(require_roles(*VERIFIER_ROLES))]) -> StatusView:
    status = app.record_verification(actor, proposal_id, body.result == "verified", body.reason, body.note)
    return StatusView(proposal_id=proposal_id, status=status)


@router.post("/batches", response_model=BatchView, status_code=201,
             summary="Export every verified proposal of your region as one batch for the ministry system")
def export_batch(app: App, actor: Annotated[Actor, Depends(require_roles(*EXPORT_ROLES))]) -> BatchView:
    batch = app.export_batch(actor)
    return BatchView(batch_id=batch.id, proposals=len(batch.proposal_ids), exported_at=batch.exported_at,
                     file=f"/prelist/batches/{batch.id}/file")


@router.get("/batches/{batch_id}/file", response_class=PlainTextResponse,
            summary="The batch file (CSV, documented in docs/dtks-registry.md)")
def batch_file(batch_id: UUID, app: App, actor: Annotated[Actor, Depends(require_roles(*EXPORT_ROLES))]) -> PlainTextResponse:
    return PlainTextResponse(app.batch_csv(actor, batch_id), media_type="text/csv",
                             headers={"Cache-Control": "no-store",
                                      "Content-Disposition": f'attachment; filename="prelist-{batch_id}.csv"'})


@router.post("/decisions", response_model=DecisionsView,
             summary="Import the ministry's decisions (CSV body: proposal_id,decision[,reason])",
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}})
async def decisions(request: Request, app: App,
                    actor: Annotated[Actor, Depends(require_roles(*DECISION_ROLES))]) -> DecisionsView:
    body = await request.body()
    if len(body) > 10_000_000:
        raise DomainError("the decisions file is larger than 10 MB; split it")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("the decisions file is not UTF-8 text") from None
    if has_control_characters(text):
        raise DomainError(f"the decisions file {CONTROL_CHARACTERS_MESSAGE}")
    return DecisionsView(**await run_in_threadpool(app.import_decisions, actor, text))
