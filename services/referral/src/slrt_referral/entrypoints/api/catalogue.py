"""The programme catalogue: everyone signed in reads it, the manager maintains it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field
from slrt_contracts import Actor, Role, ServiceField, Text
from slrt_contracts.events.referral import AgencyLevel
from slrt_runtime.auth import CurrentActor, ensure_covers, require_roles

from .common import PROGRAMME_PATTERN, AgencyCode, App

router = APIRouter(prefix="/programmes", tags=["programme catalogue"])

Code = Annotated[str, Path(pattern=PROGRAMME_PATTERN, examples=["PBI-JK"])]


class ProgrammeBody(BaseModel):
    name: Text = Field(min_length=1, max_length=200)
    agency: str = Field(pattern=r"^[a-z][a-z0-9-]{1,31}$", description="Agency code: its NATS subject token",
                        examples=["dinkes"])
    agency_name: Text = Field(min_length=1, max_length=200)
    level: AgencyLevel
    field: ServiceField
    answer_within: Text = Field(max_length=40, description="Time standard of the agency's answer",
                               examples=["5 working days", "3 months"])
    eligibility: Text = Field(default="", max_length=2000)
    needs_personal_data: bool = Field(default=False, description="The agency needs the person's identity to act")
    active: bool = True


class ProgrammeView(ProgrammeBody):
    code: str


@router.get("", response_model=list[ProgrammeView])
def list_programmes(app: App, _: CurrentActor, field: ServiceField | None = None, level: AgencyLevel | None = None,
                    agency: AgencyCode | None = None, active: bool | None = None) -> list[dict[str, Any]]:
    return [p for p in app.programmes()
            if (field is None or p["field"] == field) and (level is None or p["level"] == level)
            and (agency is None or p["agency"] == agency) and (active is None or p["active"] == active)]


@router.get("/{code}", response_model=ProgrammeView)
def read_programme(code: Code, app: App, _: CurrentActor) -> dict[str, Any]:
    return app.programme(code)


@router.put("/{code}", response_model=ProgrammeView, summary="Manager adds or changes a programme (active=false withdraws it)")
def save_programme(code: Code, body: ProgrammeBody, app: App,
                   actor: Annotated[Actor, Depends(require_roles(Role.MANAGER))]) -> dict[str, Any]:
    ensure_covers(actor, app.settings.district)
    return app.save_programme({"code": code, **body.model_dump()}, actor)
