"""The catalogue of programmes (referral's, with each agency's answer time standard) and the letter
types' time standards (letters'), shown to the office; the manager adds and changes programmes."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from slrt_contracts import Role

from ..adapters.services import Refused
from .i18n import gettext as _
from .rendering import flash, refusal_text, render
from .security import User, check_csrf

router = APIRouter(prefix="/catalogue", dependencies=[Depends(check_csrf)])

Code = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")]
EDITORS = frozenset({Role.MANAGER, Role.ADMIN})
LEVELS = ("district", "province", "national", "non_government")
FIELDS = ("health", "education", "social", "economy", "civil_registry")
EMPTY = {"code": "", "name": "", "agency": "", "agency_name": "", "level": "district", "field": "health",
         "answer_within": "5 working days", "eligibility": "", "needs_personal_data": False, "active": True}


@router.get("")
async def catalogue(request: Request, user: User) -> Response:
    services = request.app.state.services
    programmes = await services.referral.json("GET", "/programmes", user.token)
    try:
        letter_types = await services.letters.json("GET", "/letters/types", user.token)
    except Refused:
        letter_types = []  # this role does not see the letter catalogue
    return render(request, "manager/catalogue.html", programmes=sorted(programmes, key=lambda p: p["code"]),
                  letter_types=letter_types, edits=user.role in EDITORS)


def _editor(user: Any) -> None:
    if user.role not in EDITORS:
        raise HTTPException(403, "role")


@router.get("/programmes/new")
def new_programme(request: Request, user: User) -> Response:
    _editor(user)
    return render(request, "manager/programme.html", p=EMPTY, new=True, errors={}, levels=LEVELS, fields=FIELDS)


@router.get("/programmes/{code}")
async def programme(request: Request, code: Code, user: User) -> Response:
    _editor(user)
    found = await request.app.state.services.referral.json("GET", f"/programmes/{code}", user.token)
    return render(request, "manager/programme.html", p=found, new=False, errors={}, levels=LEVELS, fields=FIELDS)


@router.post("/programmes")
async def save_programme(request: Request, user: User) -> Response:
    _editor(user)
    form = await request.form()
    text = lambda key: str(form.get(key) or "").strip()  # noqa: E731
    code = text("code")
    body = {"name": text("name"), "agency": text("agency"), "agency_name": text("agency_name"),
            "level": text("level"), "field": text("field"), "answer_within": text("answer_within"),
            "eligibility": text("eligibility"), "needs_personal_data": form.get("needs_personal_data") == "yes",
            "active": form.get("active") == "yes"}
    shown = {"code": code, **body}
    new = form.get("new") == "1"
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$", code):
        return render(request, "manager/programme.html", status_code=422, p=shown, new=new, levels=LEVELS,
                      fields=FIELDS, errors={"code": _("A code of 1-32 letters, digits or '-'.")})
    try:
        await request.app.state.services.referral.json("PUT", f"/programmes/{code}", user.token, json=body)
    except Refused as e:
        errors = {field.split(".")[-1]: problem for field, problem in e.refusal.fields}
        flash(request, "error", refusal_text(e.refusal) if not errors else _("Some data is missing or not valid."))
        if not errors and e.refusal.status == 422:
            errors = {"answer_within": _("Write a number and a unit, for example 5 hari kerja, 14 hari or 3 bulan.")
                      } if "time standard" in e.refusal.detail else {}
        return render(request, "manager/programme.html", status_code=e.refusal.status, p=shown, new=new,
                      levels=LEVELS, fields=FIELDS, errors=errors)
    flash(request, "ok", _("The catalogue is saved."))
    return RedirectResponse("/catalogue", 303)
