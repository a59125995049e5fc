"""Referrals over HTTP: staff propose, the manager approves / declines / revokes / redirects, the
addressed agency answers and reports the outcome. Every read and command is scoped by role and region."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from slrt_contracts import Actor, ComplaintType, Offset, ReferralDecision, Region, Role, ServiceField, Text
from slrt_contracts.events.referral import AgencyLevel, PersonalDataBasis, ReferralOutcome
from slrt_runtime.audit import AuditEntry
from slrt_runtime.auth import CurrentActor, ensure_covers, require_roles
from slrt_runtime.errors import NotPermitted

from ...application import PROPOSING_ROLES
from ...domain import ReferralStatus
from ...application.queues import Row
from .common import AgencyCode, App, ProgrammeCode

router = APIRouter(prefix="/referrals", tags=["referrals"])

STAFF_ROLES = (*PROPOSING_ROLES, Role.FACILITATOR)
Manager = Annotated[Actor, Depends(require_roles(Role.MANAGER))]
Agency = Annotated[Actor, Depends(require_roles(Role.AGENCY))]
Staff = Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]
Note = Field(default=None, max_length=2000)


class ReferralSummary(BaseModel):
    referral_id: UUID
    complaint_id: UUID
    receipt_number: str
    region: Region
    complaint_type: ComplaintType
    dtks_status: str
    programmes: list[str] = Field(description="The person's programme memberships found by the DTKS check")
    programme: str
    programme_name: str
    agency: str
    agency_name: str
    agency_level: AgencyLevel
    field: ServiceField
    note: str | None
    status: ReferralStatus
    proposed_by: Actor
    proposed_at: dt.datetime
    approved_by: Actor | None
    sent_at: dt.datetime | None
    answer_due_at: dt.datetime | None
    overdue: bool
    personal_data_basis: PersonalDataBasis | None
    answers: list[dict[str, Any]]
    outcome: dict[str, Any] | None
    closing_reason: str | None
    redirected_from: UUID | None
    redirected_to: UUID | None
    updated_at: dt.datetime


class ReferralView(ReferralSummary):
    personal_data: dict[str, Any] | None = Field(
        description="Identity of the person concerned: only with consent or where the programme needs it")


class ReferralPage(BaseModel):
    items: list[ReferralSummary]
    total: int
    counts: dict[str, int] = Field(description="Referrals per status among those the filters (except status) match")
    offset: int
    limit: int


class Proposal(BaseModel):
    complaint_id: UUID
    programme: ProgrammeCode
    note: Text | None = Field(default=None, max_length=2000, description="What the agency is asked to do, and why")


class Reason(BaseModel):
    reason: Text = Field(min_length=1, max_length=2000)


class Redirect(Reason):
    programme: ProgrammeCode
    note: Text | None = Note


class Answer(BaseModel):
    decision: ReferralDecision = Field(description="approved = the agency accepts the referral")
    reason: Text | None = Field(default=None, max_length=2000, description="Required for a rejection")


class Outcome(BaseModel):
    outcome: ReferralOutcome
    note: Text | None = Note


def visible_to(actor: Actor, row: Row) -> bool:
    """Agencies see only what was sent to them; staff only their region."""
    if actor.role == Role.AGENCY:
        return row["agency"] == actor.agency and row["sent_at"] is not None and actor.covers(row["region"].village)
    if actor.role in STAFF_ROLES or actor.role == Role.ADMIN:
        return actor.covers(row["region"].village)
    return False


def _visible(actor: Actor, view: Row) -> Row:
    if not visible_to(actor, view):
        if actor.role == Role.AGENCY:
            raise NotPermitted("agencies see only the referrals sent to them")
        raise NotPermitted(f"actor's role or region ({actor.role.value}, {actor.region}) does not cover this referral")
    return view


Limit = Annotated[int, Query(ge=1, le=200)]


@router.post("", response_model=ReferralView, status_code=201,
             summary="Staff handling the complaint propose a referral to a programme of the catalogue")
def propose(body: Proposal, app: App, actor: Annotated[Actor, Depends(require_roles(*PROPOSING_ROLES))]) -> Row:
    ensure_covers(actor, app.complaint_region(body.complaint_id))
    return app.get_referral(app.propose(body.complaint_id, body.programme, body.note, actor))


@router.get("", response_model=ReferralPage, summary="Staff list of referrals in the actor's region")
def list_referrals(app: App, actor: Staff, status: ReferralStatus | None = None, agency: AgencyCode | None = None,
                   programme: ProgrammeCode | None = None, field: ServiceField | None = None,
                   region: Annotated[str | None, Query(pattern=r"^\d{4,10}$")] = None, overdue: bool | None = None,
                   offset: Offset = 0, limit: Limit = 50) -> Any:
    filters = dict(status=status, agency=agency, programme=programme, field=field)
    return app.queues.query(actor, filters=filters, region=region, overdue=overdue, offset=offset, limit=limit)


@router.get("/approvals", response_model=ReferralPage, summary="Manager's queue: proposals awaiting approval")
def approvals(app: App, actor: Manager, agency: AgencyCode | None = None, programme: ProgrammeCode | None = None,
              field: ServiceField | None = None, region: Annotated[str | None, Query(pattern=r"^\d{4,10}$")] = None,
              offset: Offset = 0, limit: Limit = 50) -> Any:
    filters = dict(status=ReferralStatus.AWAITING_APPROVAL, agency=agency, programme=programme, field=field)
    return app.queues.query(actor, filters=filters, region=region, offset=offset, limit=limit)


@router.get("/inbox", response_model=ReferralPage, summary="Agency inbox: only the referrals sent to the agency")
def inbox(app: App, actor: Agency, status: ReferralStatus | None = None, programme: ProgrammeCode | None = None,
          region: Annotated[str | None, Query(pattern=r"^\d{4,10}$")] = None, overdue: bool | None = None,
          offset: Offset = 0, limit: Limit = 50) -> Any:
    if actor.role != Role.AGENCY:
        raise NotPermitted("the inbox belongs to an agency account")
    filters = dict(status=status, programme=programme)
    return app.queues.query(actor, filters=filters, region=region, overdue=overdue, offset=offset, limit=limit)


@router.get("/by-complaint/{complaint_id}", response_model=list[ReferralSummary],
            summary="Every referral of one complaint (complementarity: several programmes)")
def for_complaint(complaint_id: UUID, app: App, actor: CurrentActor) -> list[Row]:
    if actor.role == Role.AGENCY:
        rows = app.referrals_for_complaint(complaint_id)
        return [row for row in rows if visible_to(actor, row)]
    if actor.role not in STAFF_ROLES and actor.role != Role.ADMIN:
        raise NotPermitted(f"role {actor.role.value} does not read referrals")
    ensure_covers(actor, app.complaint_region(complaint_id))
    return app.referrals_for_complaint(complaint_id)


@router.get("/{referral_id}", response_model=ReferralView)
def read(referral_id: UUID, app: App, actor: CurrentActor) -> Row:
    return _visible(actor, app.get_referral(referral_id))


@router.get("/{referral_id}/history", response_model=list[AuditEntry],
            summary="The referral's audit trail: every step, who took it (role, region, agency) and when")
def history(referral_id: UUID, app: App, actor: CurrentActor) -> list[dict[str, Any]]:
    _visible(actor, app.get_referral(referral_id))
    return app.history(referral_id)


@router.post("/{referral_id}/approve", response_model=ReferralView, summary="Manager approves: the referral is sent")
def approve(referral_id: UUID, app: App, actor: Manager) -> Row:
    _visible(actor, app.get_referral(referral_id))
    app.approve(referral_id, actor)
    return app.get_referral(referral_id)


@router.post("/{referral_id}/decline", response_model=ReferralView, summary="Manager does not approve a proposal")
def decline(referral_id: UUID, body: Reason, app: App, actor: Manager) -> Row:
    _visible(actor, app.get_referral(referral_id))
    app.decline(referral_id, body.reason, actor)
    return app.get_referral(referral_id)


@router.post("/{referral_id}/revoke", response_model=ReferralView, summary="The secretariat withdraws a sent referral")
def revoke(referral_id: UUID, body: Reason, app: App, actor: Manager) -> Row:
    _visible(actor, app.get_referral(referral_id))
    app.revoke(referral_id, body.reason, actor)
    return app.get_referral(referral_id)


@router.post("/{referral_id}/redirect", response_model=ReferralView, status_code=201,
             summary="The secretariat moves a referral to another programme: the old one is revoked, the new "
                     "one (returned) is linked to it and sent")
def redirect(referral_id: UUID, body: Redirect, app: App, actor: Manager) -> Row:
    _visible(actor, app.get_referral(referral_id))
    return app.get_referral(app.redirect(referral_id, body.programme, body.reason, body.note, actor))


@router.post("/{referral_id}/answer", response_model=ReferralView,
             summary="The addressed agency accepts (approved), rejects (with a reason) or asks for further review")
def answer(referral_id: UUID, body: Answer, app: App, actor: Agency) -> Row:
    app.answer(referral_id, body.decision, body.reason, actor)
    return app.get_referral(referral_id)


@router.post("/{referral_id}/outcome", response_model=ReferralView,
             summary="The agency reports what it did for the citizen, after accepting")
def outcome(referral_id: UUID, body: Outcome, app: App, actor: Agency) -> Row:
    app.report_outcome(referral_id, body.outcome, body.note, actor)
    return app.get_referral(referral_id)
