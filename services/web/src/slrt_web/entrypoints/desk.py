"""The desk (front office and Puskesos): register a complaint with a live DTKS lookup, today's queue."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ..adapters.services import Refused, Unavailable
from ..domain.complaint_form import registration_body
from .i18n import gettext as _
from .rendering import WIB, flash, refusal_text, render
from .security import User, check_csrf

router = APIRouter(prefix="/desk", dependencies=[Depends(check_csrf)])


def _services(request: Request) -> Any:
    return request.app.state.services


def _needs_registering(user: Any) -> None:
    if not user.registers:
        raise HTTPException(403, "role")  # the intake service would refuse too; say it before the form


@router.get("")
async def desk(request: Request, user: User) -> Response:
    _needs_registering(user)
    queue = await _services(request).intake.queue(user.token, "front-office", {"limit": 200})
    today = dt.datetime.now(WIB).date()
    todays = sorted((i for i in queue["items"]
                     if dt.datetime.fromisoformat(i["registered_at"]).astimezone(WIB).date() == today),
                    key=lambda i: i.get("queue_number") or 0)
    return render(request, "desk/today.html", queue=queue, todays=todays, today=today)


@router.get("/new")
def new_complaint(request: Request, user: User) -> Response:
    _needs_registering(user)
    village = user.region if len(user.region) == 10 else ""
    # One key per form shown: sending this form again (double click, a retry) registers one complaint.
    return render(request, "desk/new.html", form={"village": village, "submission_key": str(uuid.uuid4())},
                  errors=[])


@router.post("/new")
async def register(request: Request, user: User) -> Response:
    _needs_registering(user)
    form = await request.form()
    try:
        receipt = await _services(request).intake.register(user.token, registration_body(form),
                                                            submission_key(form))
    except Refused as e:
        errors = [f"{field}: {problem}" for field, problem in e.refusal.fields]
        flash(request, "error", refusal_text(e.refusal))
        return render(request, "desk/new.html", status_code=422, form=dict(form), errors=errors)
    flash(request, "ok", _("Complaint registered. Give the citizen the receipt."))
    return RedirectResponse(f"/complaints/{receipt['complaint_id']}?new=1", 303)


def submission_key(form: Any) -> str | None:
    """The form's key if it is one this application made (a UUID), else none: never pass on junk."""
    try:
        return str(uuid.UUID(str(form.get("submission_key") or "")))
    except ValueError:
        return None


@router.post("/lookup")
async def lookup(request: Request, user: User) -> Response:
    """htmx: the NIK typed at the desk → the person from DTKS, filled into the form."""
    form = await request.form()
    nik = str(form.get("nik") or "").strip()
    if not nik:
        return render(request, "partials/person.html", person={}, note=_("Type a NIK first."))
    try:
        found = await _services(request).dtks.lookup(user.token, nik)
    except Refused as e:
        return render(request, "partials/person.html", person={"nik": nik}, note=refusal_text(e.refusal),
                      problem=True)
    already = await _open_complaints(request, user, nik)
    person = found.get("person")
    problems = found.get("nik_consistency", {}).get("problems", [])
    if not found.get("found") or person is None:
        return render(request, "partials/person.html", person={"nik": nik}, problem=True, already=already,
                      note=_("Not in DTKS (version %(version)s). Fill in the person by hand.",
                             version=found.get("registry_version") or "-"), problems=problems)
    return render(request, "partials/person.html", person=person, found=True, problems=problems,
                  version=found.get("registry_version"), already=already)


async def _open_complaints(request: Request, user: Any, nik: str) -> dict[str, Any] | None:
    """The person's open complaints, for the warning before registering twice; None when intake could
    not say (the desk can still register: the warning helps, it does not decide)."""
    try:
        return await _services(request).intake.open_complaints(user.token, nik)
    except (Refused, Unavailable):
        return None


@router.post("/find")
async def find(request: Request, user: User) -> Response:
    """htmx: a person without their NIK at hand → DTKS candidates by name and birth date (fuzzy)."""
    form = await request.form()
    name, birth_date = str(form.get("name") or "").strip(), str(form.get("birth_date") or "").strip()
    if len(name) < 2 or not birth_date:
        return render(request, "partials/candidates.html", candidates=[],
                      note=_("Type the name and the birth date to search DTKS."))
    region = str(form.get("village") or "").strip() or None
    try:
        found = await _services(request).dtks.fuzzy(user.token, name, birth_date, region)
    except Refused as e:
        return render(request, "partials/candidates.html", candidates=[], note=refusal_text(e.refusal))
    return render(request, "partials/candidates.html", candidates=found["candidates"],
                  note=None if found["candidates"] else _("Nobody similar found in DTKS."))
