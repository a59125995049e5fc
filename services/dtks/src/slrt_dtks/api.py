"""HTTP API of the DTKS service: staff lookups, registry imports, check outcomes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field
from slrt_contracts import Actor, ComplaintType, DTKSStatus, Region, Role, ServiceField
from slrt_runtime.auth import CurrentActor, ensure_covers, require_roles

from .application import DTKSApplication
from .registry import ImportRejected, Person

registry_router = APIRouter(prefix="/registry", tags=["registry"])
checks_router = APIRouter(prefix="/checks", tags=["checks"])

# Staff who handle complaints or letters and need to see a person's registry entry.
LOOKUP_ROLES = (Role.FRONT_OFFICE, Role.BACK_OFFICE, Role.PUSKESOS, Role.FACILITATOR, Role.SUPERVISOR,
                Role.MANAGER, Role.DTKS_OPERATOR, Role.PENGELOLA)
SAMPLE_ROLES = (Role.DTKS_OPERATOR, Role.FRONT_OFFICE)
IMPORT_ROLES = (Role.DTKS_OPERATOR,)


class PersonView(BaseModel):
    """A registry entry: personal data, for staff only (served with Cache-Control: no-store)."""

    registry_id: str
    nik: str
    family_card: str
    household_id: str
    name: str
    sex: str
    birth_place: str
    birth_date: dt.date
    address: str
    village_code: str
    welfare_decile: int | None
    programmes: list[str]
    registry_version: str | None


class SamplePerson(BaseModel):
    nik: str
    name: str
    village_code: str
    welfare_decile: int | None
    programmes: list[str]


class ImportRequest(BaseModel):
    path: str = Field(min_length=1, max_length=1000, description="Path of a CSV extract on the server",
                      examples=["var/dtks-extract.csv"])


class Rejection(BaseModel):
    row: int = Field(description="Row number as a spreadsheet shows it (the header is row 1)")
    reason: str


class ImportReportView(BaseModel):
    version: str
    source: str
    rows_loaded: int
    rows_rejected: int
    rejections: list[Rejection] = Field(description="The first 200 rejected rows")


class RegistryStatusView(BaseModel):
    version: str | None
    rows: int
    loaded_at: dt.datetime | None
    source: str | None


class CheckView(BaseModel):
    complaint_id: UUID
    receipt_number: str
    checked_at: dt.datetime
    status: DTKSStatus
    household_id: str | None
    programmes: list[str]
    welfare_decile: int | None
    registry_version: str | None
    region: Region
    field: ServiceField
    complaint_type: ComplaintType
    checked_by: Actor


def application(request: Request) -> DTKSApplication:
    return request.app.state.application


App = Annotated[DTKSApplication, Depends(application)]


@registry_router.get("/people/{nik}", response_model=PersonView,
                     summary="Look a person up in the DTKS registry by NIK (staff only)")
def read_person(nik: str, app: App, actor: Annotated[Actor, Depends(require_roles(*LOOKUP_ROLES))],
                response: Response) -> PersonView:
    response.headers["Cache-Control"] = "no-store"  # personal data: no browser or proxy copies
    person = app.lookup(nik)
    # Village and sub-district staff see the people registered in their own area only.
    if not actor.covers(person.village_code):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this person is registered outside your region {actor.region}")
    return _person_view(person, app.registry.current_version())


@registry_router.get("/sample", response_model=list[SamplePerson],
                     summary="A few synthetic NIKs from the registry, for demos")
def sample(app: App, _: Annotated[Actor, Depends(require_roles(*SAMPLE_ROLES))],
           limit: Annotated[int, Query(ge=1, le=50)] = 5) -> list[SamplePerson]:
    # Only generated (SYN-) rows: on a real extract this returns an empty list, never real people.
    return [SamplePerson(nik=p.nik, name=p.name, village_code=p.village_code, welfare_decile=p.welfare_decile,
                         programmes=list(p.programmes)) for p in app.registry.synthetic_sample(limit)]


@registry_router.post("/imports", response_model=ImportReportView, status_code=201,
                      summary="Replace the registry with a CSV extract already on the server")
def import_extract(body: ImportRequest, app: App,
                   _: Annotated[Actor, Depends(require_roles(*IMPORT_ROLES))]) -> ImportReportView:
    path = Path(body.path)
    if path.suffix.lower() != ".csv":
        raise ImportRejected("the extract must be a .csv file")
    report = app.registry.load_csv(path)
    return ImportReportView.model_validate(report, from_attributes=True)


@registry_router.get("/status", response_model=RegistryStatusView, summary="Loaded registry version and size")
def registry_status(app: App, _: CurrentActor) -> RegistryStatusView:
    return RegistryStatusView.model_validate(app.registry.status(), from_attributes=True)


@checks_router.get("/{complaint_id}", response_model=CheckView, summary="The DTKS check of a complaint")
def read_check(complaint_id: UUID, app: App, actor: CurrentActor) -> dict:
    check = app.get_check(complaint_id)
    ensure_covers(actor, check["region"].village)
    return check


def _person_view(person: Person, version: str | None) -> PersonView:
    return PersonView(
        registry_id=person.registry_id, nik=person.nik, family_card=person.family_card,
        household_id=person.household_id, name=person.name, sex=person.sex, birth_place=person.birth_place,
        birth_date=person.birth_date, address=person.address, village_code=person.village_code,
        welfare_decile=person.welfare_decile, programmes=list(person.programmes), registry_version=version,
    )
