"""The DTKS operator's registry pages: upload an extract and follow its import to the row-level
report, the registry versions with what each changed (and making an older one active again, the way
back from a wrong extract), and looking a person (and household) up."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from slrt_contracts import Role

from ..adapters.services import Refused
from .desk import submission_key
from .i18n import gettext as _
from .rendering import flash, refusal_text, render
from .security import User, check_csrf

router = APIRouter(prefix="/dtks", dependencies=[Depends(check_csrf)])

CHUNK = 1 << 20
CHANGES = ("added", "removed", "changed")
# The roles that open the registry pages (the dtks service decides what each may do there).
REGISTRY_ROLES = frozenset({Role.DTKS_OPERATOR, Role.ADMIN, Role.MANAGER, Role.SUPERVISOR})
OPERATOR_ROLES = frozenset({Role.DTKS_OPERATOR, Role.ADMIN})  # who imports, and so who switches back
REASON_LENGTH = (5, 500)  # as the dtks service checks it
Version = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")]


def _dtks(request: Request) -> Any:
    return request.app.state.services.dtks


def _registry_role(user: Any) -> None:
    if user.role not in REGISTRY_ROLES:
        raise HTTPException(403, "role")


@router.get("")
async def home(request: Request, user: User) -> Response:
    _registry_role(user)
    status = await _dtks(request).status(user.token)
    versions = (await _dtks(request).versions(user.token))[:5]
    # One key per form shown: the same upload sent twice (double click, a retry) imports once.
    return render(request, "dtks/home.html", status=status, versions=versions, key=str(uuid.uuid4()))


@router.post("/imports")
async def upload(request: Request, user: User) -> Response:
    _registry_role(user)
    form = await request.form()
    extract = form.get("extract")
    if extract is None or isinstance(extract, str) or not extract.filename:
        flash(request, "error", _("Choose the extract file (CSV or XLSX) first."))
        return RedirectResponse("/dtks", 303)

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await extract.read(CHUNK):
            yield chunk

    try:
        job = await _dtks(request).upload(user.token, extract.filename, chunks(), submission_key(form))
    except Refused as e:
        flash(request, "error", refusal_text(e.refusal))
        return RedirectResponse("/dtks", 303)
    return RedirectResponse(f"/dtks/imports/{job['job_id']}", 303)


@router.get("/imports/{job_id}")
async def import_page(request: Request, job_id: UUID, user: User) -> Response:
    job = await _dtks(request).import_job(user.token, str(job_id))
    return render(request, "dtks/import.html", job=job)


@router.get("/imports/{job_id}/progress")
async def import_progress(request: Request, job_id: UUID, user: User) -> Response:
    """htmx, every second while the import runs: the bar, then the report."""
    job = await _dtks(request).import_job(user.token, str(job_id))
    return render(request, "dtks/_progress.html", job=job)


@router.get("/versions")
async def versions(request: Request, user: User) -> Response:
    _registry_role(user)
    return render(request, "dtks/versions.html", versions=await _dtks(request).versions(user.token),
                  activations=await _dtks(request).activations(user.token))


async def _version(request: Request, user: Any, version: str) -> dict[str, Any]:
    found = next((v for v in await _dtks(request).versions(user.token) if v["version"] == version), None)
    if found is None:
        raise HTTPException(404)
    return found


@router.get("/versions/{version}/activate")
async def confirm_activation(request: Request, version: Version, user: User) -> Response:
    """The confirmation: one question (why), before an older version serves again."""
    if user.role not in OPERATOR_ROLES:
        raise HTTPException(403, "role")
    found = await _version(request, user, version)
    if found["status"] == "active" or not found.get("kept"):
        flash(request, "error", _("This version cannot be made active again: it is the active one, or its data "
                                  "is no longer kept."))
        return RedirectResponse("/dtks/versions", 303)
    return render(request, "dtks/activate.html", version=found, status=await _dtks(request).status(user.token),
                  reason="", error=None, key=str(uuid.uuid4()))


@router.post("/versions/{version}/activate")
async def activate(request: Request, version: Version, user: User) -> Response:
    if user.role not in OPERATOR_ROLES:
        raise HTTPException(403, "role")
    form = await request.form()
    reason = " ".join(str(form.get("reason") or "").split())
    error = None
    if len(reason) < REASON_LENGTH[0]:
        error = _("Give the reason in a few words (at least 5 characters).")
    elif len(reason) > REASON_LENGTH[1]:
        error = _("The reason may be at most 500 characters.")
    else:
        try:
            await _dtks(request).activate(user.token, version, reason, submission_key(form))
        except Refused as e:
            if not any(field == "reason" for field, _problem in e.refusal.fields):
                flash(request, "error", refusal_text(e.refusal))
                return RedirectResponse("/dtks/versions", 303)
            error = refusal_text(e.refusal)
        else:
            flash(request, "ok", _("Version %(version)s is active again.") % {"version": version})
            return RedirectResponse("/dtks/versions", 303)
    return render(request, "dtks/activate.html", status_code=422, version=await _version(request, user, version),
                  status=await _dtks(request).status(user.token), reason=reason, error=error,
                  key=submission_key(form) or str(uuid.uuid4()))


@router.get("/versions/{version}")
async def version_changes(request: Request, version: Version, user: User, change: str = "",
                          page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    _registry_role(user)
    chosen = change if change in CHANGES else ""
    params: dict[str, Any] = {"limit": 100, "offset": (page - 1) * 100} | ({"change": chosen} if chosen else {})
    found = await _version(request, user, version)
    changes = await _dtks(request).changes(user.token, version, params)
    return render(request, "dtks/changes.html", version=found, changes=changes, change=chosen, page=page)


@router.get("/people")
def people(request: Request, user: User) -> Response:
    return render(request, "dtks/people.html", result=None, household=None, nik="")


@router.post("/people")
async def look_up(request: Request, user: User) -> Response:
    """The NIK goes in the form's body, never in a URL (URLs end up in logs and browser history)."""
    nik = str((await request.form()).get("nik") or "").strip()
    household, problem = None, None
    try:
        result = await _dtks(request).lookup(user.token, nik) if nik else None
        if result and result.get("found"):
            household = await _dtks(request).household(user.token, nik)
    except Refused as e:
        result, problem = None, refusal_text(e.refusal)
    if not nik:
        problem = _("Type a NIK first.")
    return render(request, "dtks/people.html", result=result, household=household, nik=nik, problem=problem,
                  status_code=422 if problem else 200)
