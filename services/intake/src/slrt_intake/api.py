"""HTTP API of the intake service."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from slrt_contracts import NIK, Actor, Channel, ComplaintType, Region, Role, ServiceField
from slrt_runtime.auth import CurrentActor, ensure_covers, require_roles

from .application import IntakeApplication

router = APIRouter(prefix="/complaints", tags=["complaints"])

# Who may register where: a front office serves the district, Puskesos and facilitators their village.
REGISTERING_ROLES = (Role.FRONT_OFFICE, Role.PUSKESOS, Role.FACILITATOR)
CHANNEL_OF_ROLE = {Role.FRONT_OFFICE: Channel.FRONT_OFFICE, Role.PUSKESOS: Channel.PUSKESOS,
                   Role.FACILITATOR: Channel.FACILITATOR}


class RegisterComplaint(BaseModel):
    channel: Channel | None = Field(default=None, description="Defaults to the registering officer's channel")
    complaint_type: ComplaintType
    field: ServiceField
    region: Region
    description: str = Field(min_length=3, max_length=4000)
    nik: NIK | None = None


class Receipt(BaseModel):
    complaint_id: UUID
    receipt_number: str
    tracking_path: str


class ComplaintView(BaseModel):
    complaint_id: UUID
    receipt_number: str
    registered_at: dt.datetime
    channel: Channel
    complaint_type: ComplaintType
    field: ServiceField
    region: Region
    description: str
    nik_masked: str | None
    registered_by: Actor


def application(request: Request) -> IntakeApplication:
    return request.app.state.application


App = Annotated[IntakeApplication, Depends(application)]


@router.post("", status_code=201, response_model=Receipt, summary="Register a complaint and give a receipt")
def register(body: RegisterComplaint, app: App,
             actor: Annotated[Actor, Depends(require_roles(*REGISTERING_ROLES))]) -> Receipt:
    ensure_covers(actor, body.region.village)
    complaint_id, receipt = app.register_complaint(
        actor=actor,
        channel=body.channel or CHANNEL_OF_ROLE.get(actor.role, Channel.FRONT_OFFICE),
        complaint_type=body.complaint_type,
        field=body.field,
        region=body.region,
        description=body.description,
        nik=body.nik,
    )
    return Receipt(complaint_id=complaint_id, receipt_number=receipt, tracking_path=f"/public/track/{receipt}")


@router.get("/{complaint_id}", response_model=ComplaintView)
def read(complaint_id: UUID, app: App, actor: CurrentActor) -> dict:
    complaint = app.get_complaint(complaint_id)
    ensure_covers(actor, complaint["region"].village)
    return complaint


@router.get("/by-receipt/{receipt_number}", response_model=ComplaintView)
def read_by_receipt(receipt_number: str, app: App, actor: CurrentActor) -> dict:
    complaint = app.get_complaint_by_receipt(receipt_number)
    ensure_covers(actor, complaint["region"].village)
    return complaint
