"""HTTP API of the DTKS service: staff lookups, registry imports, check outcomes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from uuid import UUID

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Path as PathParam, Query, Request, Response, status
from pydantic import BaseModel, Field
from slrt_contracts import Actor, ComplaintType, DTKSStatus, Offset, Region, Role, ServiceField, Text
from slrt_runtime.auth import CurrentActor, ensure_covers, require_roles
from slrt_runtime.validation import KnownRegionCode

from ...application import DTKSApplication
from ...adapters.registry import PROGRAMMES, Candidate, Person

registry_router = APIRouter(prefix="/registry", tags=["registry"])
checks_router = APIRouter(prefix="/checks", tags=["checks"])

# Staff who handle complaints or letters and need to see a person's registry entry.
LOOKUP_ROLES = (Role.FRONT_OFFICE, Role.BACK_OFFICE, Role.PUSKESOS, Role.FACILITATOR, Role.SUPERVISOR,
                Role.MANAGER, Role.DTKS_OPERATOR, Role.PENGELOLA)
SAMPLE_ROLES = (Role.DTKS_OPERATOR, Role.FRONT_OFFICE)
IMPORT_ROLES = (Role.DTKS_OPERATOR,)
VERSION_ROLES = (Role.DTKS_OPERATOR, Role.MANAGER, Role.SUPERVISOR)
PROGRAMME_CHECK_ROLES = (*LOOKUP_ROLES, Role.SERVICE)

NikField = Field(min_length=1, max_length=24, description="16-digit NIK (spaces, dots, dashes are stripped)",
                 examples=["1605034208770001"])
# The NIK as typed: checked by the application, which says which part is wrong (InvalidNikGiven).
NikText = Annotated[Text, PathParam(max_length=24, description="16-digit NIK", examples=["1605034208770001"])]
VersionPath = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9._-]{1,64}$", description="A registry version",
                                       examples=["20261117-3-5f2a9c01d4e7"])]


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
    welfare_rank: int | None = None
    programmes: list[str]
    registry_version: str | None


class SamplePerson(BaseModel):
    nik: str
    name: str
    village_code: str
    welfare_decile: int | None
    programmes: list[str]


class ImportRequest(BaseModel):
    path: Text = Field(min_length=1, max_length=1000, description="Path of a CSV or XLSX extract on the server",
                      examples=["var/dtks-extract.csv"])


class Rejection(BaseModel):
    row: int = Field(description="Row number as a spreadsheet shows it (the header is row 1)")
    reason: str


class ImportReportView(BaseModel):
    version: str
    source: str
    previous_version: str | None
    rows_loaded: int
    rows_rejected: int
    rows_warned: int
    rejections: list[Rejection] = Field(description="The first 200 rejected rows")
    warnings: list[Rejection] = Field(description="The first 200 imported rows with an inconsistent NIK")
    added: int
    removed: int
    changed: int
    programme_changes: int


class VersionView(BaseModel):
    version: str
    status: Literal["active", "retired"]
    loaded_at: dt.datetime
    activated_at: dt.datetime | None
    source: str
    previous: str | None
    rows: int
    rejected: int
    warned: int
    added: int
    removed: int
    changed: int
    programme_changes: int
    kept: bool = Field(default=False, description="Its people are still stored: it can be made active again "
                                                  "(POST /registry/versions/{version}/activate)")


class ChangeView(BaseModel):
    change: Literal["added", "removed", "changed"]
    registry_id: str
    nik: str
    village_code: str
    fields: list[str]
    programmes_before: list[str]
    programmes_after: list[str]


class NikRequest(BaseModel):
    nik: Text = NikField


class NikCheckRequest(BaseModel):
    nik: Text = NikField
    birth_date: dt.date | None = Field(default=None, description="As the citizen gave it, to catch a mistyped NIK")
    sex: Literal["M", "F"] | None = None


class Consistency(BaseModel):
    consistent: bool
    problems: list[str]


class NikCheckView(BaseModel):
    found: bool
    registry_version: str | None
    person: PersonView | None
    nik_consistency: Consistency


class Pbi(BaseModel):
    pusat: bool = Field(description="PBI-JK: premium paid by the central government")
    daerah: bool = Field(description="PBI-Daerah: premium paid by the district")


class ProgrammeCheckView(BaseModel):
    """Agreement 4 of the team brief (the letters service calls this)."""

    found: bool
    registry_version: str | None
    registry_id: str | None
    household_id: str | None
    welfare_decile: int | None
    programmes: list[str]
    pbi: Pbi
    nik_consistency: Consistency


class HouseholdRequest(BaseModel):
    family_card: str | None = Field(default=None, pattern=r"^\d{16}$", description="Family-card (KK) number")
    household_id: Text | None = Field(default=None, max_length=64)
    nik: Text | None = Field(default=None, min_length=1, max_length=24, description="Any member's NIK")


class HouseholdView(BaseModel):
    household_id: str
    family_card: str
    village_code: str
    welfare_decile: int | None
    members: list[PersonView]
    programmes: list[str] = Field(description="Programmes any member is in")
    pbi_double_registrations: int = Field(description="Members with both PBI-JK and PBI-Daerah (must be 0)")


class FuzzyRequest(BaseModel):
    name: Text = Field(min_length=2, max_length=120, examples=["M. Rizky Saputra"])
    birth_date: dt.date
    region: KnownRegionCode | None = Field(default=None,
                               description="Region code where the person is thought to live (ranks, does not filter)")
    limit: int = Field(default=10, ge=1, le=50)


class CandidateView(BaseModel):
    score: float = Field(description="0-100: 70% name, 20% birth date, 10% region (75/25 without a region)")
    name_score: float
    birth_date_score: float
    region_score: float
    person: PersonView


class FuzzyView(BaseModel):
    registry_version: str | None
    candidates: list[CandidateView]


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
    prelist_proposal_id: UUID | None = None


async def application(request: Request) -> DTKSApplication:  # no thread hop for a lookup
    return request.app.state.application


App = Annotated[DTKSApplication, Depends(application)]


@registry_router.get("/people/{nik}", response_model=PersonView, deprecated=True,
                     summary="Look a person up by NIK (old form: NIK in the path; use POST /registry/lookup)")
def read_person(nik: NikText, app: App, actor: Annotated[Actor, Depends(require_roles(*LOOKUP_ROLES))],
                response: Response) -> PersonView:
    response.headers["Cache-Control"] = "no-store"  # personal data: no browser or proxy copies
    person = app.lookup(nik)
    # Village and sub-district staff see the people registered in their own area only.
    if not actor.covers(person.village_code):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this person is registered outside your region {actor.region}")
    return _person_view(person, app.registry.current_version())


@registry_router.post("/lookup", response_model=NikCheckView,
                      summary="Look a person up by NIK and check the NIK's consistency (NIK in the body)")
async def lookup(body: NikCheckRequest, app: App, actor: Annotated[Actor, Depends(require_roles(*LOOKUP_ROLES))],
                 response: Response) -> NikCheckView:
    # async on purpose: an indexed read of tens of microseconds costs less on the event loop than the
    # hop to a worker thread, and this is the hot path (every complaint and letter asks it).
    response.headers["Cache-Control"] = "no-store"
    result = app.check_nik(actor, body.nik, birth_date=body.birth_date, sex=body.sex)
    person = result["person"]
    return NikCheckView(found=result["found"], registry_version=result["registry_version"],
                        person=_person_view(person, result["registry_version"]) if person else None,
                        nik_consistency=Consistency(**result["nik_consistency"]))


@registry_router.post("/programme-check", response_model=ProgrammeCheckView,
                      summary="Programmes, PBI (double registration) and welfare decile of a NIK (agreement 4)")
async def programme_check(body: NikRequest, app: App,
                          actor: Annotated[Actor, Depends(require_roles(*PROGRAMME_CHECK_ROLES))],
                          response: Response) -> ProgrammeCheckView:
    # async for the same reason as lookup
    response.headers["Cache-Control"] = "no-store"
    return ProgrammeCheckView.model_validate(app.programme_check(actor, body.nik))


@registry_router.post("/household", response_model=HouseholdView,
                      summary="A household and its members, by family card, household id or a member's NIK")
def household(body: HouseholdRequest, app: App, actor: Annotated[Actor, Depends(require_roles(*LOOKUP_ROLES))],
              response: Response) -> HouseholdView:
    if sum(1 for v in (body.family_card, body.household_id, body.nik) if v) != 1:
        raise HTTPException(422, "give exactly one of family_card, household_id, nik")
    response.headers["Cache-Control"] = "no-store"
    members = app.household(actor, family_card=body.family_card, household_id=body.household_id, nik=body.nik)
    version = app.registry.current_version()
    head = members[0]
    return HouseholdView(
        household_id=head.household_id, family_card=head.family_card, village_code=head.village_code,
        welfare_decile=head.welfare_decile, members=[_person_view(m, version) for m in members],
        programmes=[p for p in PROGRAMMES if any(p in m.programmes for m in members)],
        pbi_double_registrations=sum(1 for m in members if m.pbi["pusat"] and m.pbi["daerah"]))


@registry_router.post("/fuzzy-search", response_model=FuzzyView,
                      summary="Ranked candidates by name + birth date (+ region), spelling variants tolerated")
def fuzzy_search(body: FuzzyRequest, app: App, actor: Annotated[Actor, Depends(require_roles(*LOOKUP_ROLES))],
                 response: Response) -> FuzzyView:
    response.headers["Cache-Control"] = "no-store"
    found = app.fuzzy_search(actor, body.name, body.birth_date, body.region, body.limit)
    version = app.registry.current_version()
    return FuzzyView(registry_version=version, candidates=[_candidate_view(c, version) for c in found])


@registry_router.get("/sample", response_model=list[SamplePerson],
                     summary="A few synthetic NIKs from the registry, for demos")
def sample(app: App, actor: Annotated[Actor, Depends(require_roles(*SAMPLE_ROLES))],
           limit: Annotated[int, Query(ge=1, le=50)] = 5) -> list[SamplePerson]:
    # Only generated (SYN-) rows: on a real extract this returns an empty list, never real people.
    return [SamplePerson(nik=p.nik, name=p.name, village_code=p.village_code, welfare_decile=p.welfare_decile,
                         programmes=list(p.programmes)) for p in app.registry.synthetic_sample(limit, actor.region)]


@registry_router.post("/imports", response_model=ImportReportView, status_code=201,
                      summary="Import a CSV or XLSX extract already on the server as a new registry version")
def import_extract(body: ImportRequest, app: App,
                   actor: Annotated[Actor, Depends(require_roles(*IMPORT_ROLES))]) -> ImportReportView:
    ensure_covers(actor, app.settings.district)  # the registry is the district's: no village operator replaces it
    report = app.import_extract(Path(body.path))
    return ImportReportView.model_validate(report, from_attributes=True)


@registry_router.get("/status", response_model=RegistryStatusView, summary="Loaded registry version and size")
def registry_status(app: App, _: CurrentActor) -> RegistryStatusView:
    return RegistryStatusView.model_validate(app.registry.status(), from_attributes=True)


@registry_router.get("/versions", response_model=list[VersionView], summary="Registry versions, newest first")
def versions(app: App, _: Annotated[Actor, Depends(require_roles(*VERSION_ROLES))],
             limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[VersionView]:
    return [VersionView.model_validate(v) for v in app.registry.versions(limit)]


@registry_router.get("/versions/{version}/changes", response_model=list[ChangeView],
                     summary="Who was added, removed or changed by a version (staff: names people)")
def version_changes(version: VersionPath, app: App, actor: Annotated[Actor, Depends(require_roles(*VERSION_ROLES))],
                    response: Response, change: Literal["added", "removed", "changed"] | None = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    offset: Offset = 0) -> list[ChangeView]:
    if app.registry.version(version) is None:
        raise HTTPException(404, "no such registry version")
    response.headers["Cache-Control"] = "no-store"
    return [ChangeView(change=c["change"], registry_id=c["registry_id"], nik=c["nik"], village_code=c["village_code"],
                       fields=[f for f in c["fields"].split(",") if f],
                       programmes_before=[p for p in c["programmes_before"].split(",") if p],
                       programmes_after=[p for p in c["programmes_after"].split(",") if p])
            for c in app.registry.changes(version, change, scope=actor.region, limit=limit, offset=offset)]


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
        welfare_decile=person.welfare_decile, welfare_rank=person.welfare_rank, programmes=list(person.programmes),
        registry_version=version,
    )


def _candidate_view(c: Candidate, version: str | None) -> CandidateView:
    return CandidateView(score=c.score.total, name_score=c.score.name, birth_date_score=c.score.birth_date,
                         region_score=c.score.region, person=_person_view(c.person, version))
