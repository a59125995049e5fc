"""HTTP API of the referral service: manager approval and agency answers."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from slrt_contracts import Actor, ComplaintType, DTKSStatus, ReferralDecision, Region, Role, ServiceField
from slrt_runtime.auth import CurrentActor, ensure_covers, require_roles
from slrt_runtime.errors import NotPermitted

from .application import ReferralApplication
from .domain import ReferralStatus

router = APIRouter(prefix="/referrals", tags=["referrals"])


class ReferralView(BaseModel):
    referral_id: UUID
    complaint_id: UUID
    receipt_number: str
    agency: str
    field: ServiceField
    complaint_type: ComplaintType
    dtks_status: DTKSStatus
    programmes: list[str]
    region: Region
    status: ReferralStatus
    approved_by: Actor | None
    answers: list[dict[str, Any]]


class Answer(BaseModel):
    decision: ReferralDecision
    reason: str | None = Field(default=None, max_length=2000)


def application(request: Request) -> ReferralApplication:
    return request.app.state.application


App = Annotated[ReferralApplication, Depends(application)]


def _visible(view: dict[str, Any], actor: Actor) -> dict[str, Any]:
    if actor.role is Role.AGENCY:
        if actor.agency != view["agency"] or view["status"] is ReferralStatus.AWAITING_APPROVAL:
            raise NotPermitted("agencies see only the referrals sent to them")
    else:
        ensure_covers(actor, view["region"].village)
    return view


@router.get("/{referral_id}", response_model=ReferralView)
def read(referral_id: UUID, app: App, actor: CurrentActor) -> dict[str, Any]:
    return _visible(app.get_referral(referral_id), actor)


@router.get("/by-complaint/{complaint_id}", response_model=ReferralView)
def read_for_complaint(complaint_id: UUID, app: App, actor: CurrentActor) -> dict[str, Any]:
    return _visible(app.get_referral_for_complaint(complaint_id), actor)


@router.post("/{referral_id}/approve", response_model=ReferralView, summary="Manager approves: the referral is sent")
def approve(referral_id: UUID, app: App,
            actor: Annotated[Actor, Depends(require_roles(Role.MANAGER))]) -> dict[str, Any]:
    ensure_covers(actor, app.get_referral(referral_id)["region"].village)
    app.approve(referral_id, actor)
    return app.get_referral(referral_id)


@router.post("/{referral_id}/answer", response_model=ReferralView,
             summary="The addressed agency approves, rejects (with a reason) or asks for further review")
def answer(referral_id: UUID, body: Answer, app: App,
           actor: Annotated[Actor, Depends(require_roles(Role.AGENCY))]) -> dict[str, Any]:
    app.answer(referral_id, body.decision, body.reason, actor)
    return app.get_referral(referral_id)
