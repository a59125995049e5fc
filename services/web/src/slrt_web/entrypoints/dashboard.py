"""The manager's and the Kadin's staff dashboard (monitoring's figures in words, each linked to the
list behind it) and the monev report downloads, through this application with the user's token."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from ..adapters.services import Refused
from ..domain.monev import MEDIA, monev_request
from ..domain.people import SignedInUser
from .rendering import WIB, document, refusal_text, render
from .security import User, check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)])

# Where each figure's list is. Complaints: intake's work queue of the level (a queue holds the open
# complaints of one level; the desk's queue the new ones). Referrals and letters: their lists.
QUEUE_OF_LEVEL = {"front_office": "front-office", "puskesos": "puskesos", "back_office": "back-office",
                  "supervisor": "supervisor", "manager": "manager"}
DESK_STATUSES = ("registered", "awaiting_assessment", "awaiting_civil_registry")
# Monitoring counts a complaint by the last thing that happened to it; intake's queues filter by the
# complaint's own status. Where a monitoring status has no list (resolved) the figure is plain.
INTAKE_STATUS = {"registered": "registered", "dtks_checked": "awaiting_assessment", "assessed": "in_handling",
                 "escalated": "in_handling", "appealed": "in_handling", "under_review": "referred",
                 **{s: "referred" for s in ("referral_proposed", "referral_declined", "referred", "referral_approved",
                                            "referral_rejected", "referral_outcome", "referral_revoked")}}


def link(path: str, **params: Any) -> str:
    chosen = {k: v for k, v in params.items() if v not in (None, "", "-")}
    return f"{path}?{urlencode(chosen)}" if chosen else path


def queue_link(user: SignedInUser, **params: Any) -> str:
    """The work queue filtered: the desk's for a new complaint, else the user's own queue."""
    level = params.pop("level", None)
    if level:
        queue = QUEUE_OF_LEVEL.get(level, user.queue)
    elif params.get("status") in DESK_STATUSES:
        queue = "front-office"
    else:
        queue = user.queue
    return link(f"/queues/{queue}", **params)


def status_link(user: SignedInUser, status: str) -> str | None:
    if status.startswith("letter_"):
        return "/letters"  # the letters list (its own figures below link to its filters)
    intake = INTAKE_STATUS.get(status)
    return queue_link(user, status=intake) if intake else None


def _filters(request: Request) -> dict[str, str]:
    q = request.query_params
    region, period = q.get("region", "").strip(), q.get("period", "").strip()
    return {k: v for k, v in (("region", region), ("period", period)) if v}


async def _letter_types(request: Request, user: SignedInUser) -> dict[str, str]:
    """Letter types by code → their title in the catalogue (codes stay when the letters service
    does not show its catalogue to this role)."""
    try:
        types = await request.app.state.services.letters.json("GET", "/letters/types", user.token)
    except Refused:
        return {}
    return {t["code"]: t["title"] for t in types}


def _today() -> dict[str, int]:
    """The monev form starts at the current quarter of the current year (local time)."""
    today = dt.datetime.now(WIB)
    return {"this_year": today.year, "this_quarter": (today.month - 1) // 3 + 1}


async def _agencies(request: Request, user: SignedInUser) -> tuple[dict[str, str], dict[str, str]]:
    """Agency and programme names by code, from the referral programme catalogue."""
    try:
        programmes = await request.app.state.services.referral.json("GET", "/programmes", user.token)
    except Refused:
        return {}, {}
    return {p["agency"]: p["agency_name"] for p in programmes}, {p["code"]: p["name"] for p in programmes}


def _needs_dashboard(user: SignedInUser) -> None:
    if not user.sees_dashboard:
        raise HTTPException(403, "role")


@router.get("/dashboard")
async def dashboard(request: Request, user: User) -> Response:
    _needs_dashboard(user)
    filters = _filters(request)
    problem = None
    try:
        figures = await request.app.state.services.monitoring.dashboard(user.token, filters)
    except Refused as e:
        figures, problem = None, refusal_text(e.refusal)
    agencies, programmes = await _agencies(request, user)
    return render(request, "manager/dashboard.html", status_code=422 if problem else 200, f=figures,
                  filters=filters, problem=problem, letter_types=await _letter_types(request, user),
                  agencies=agencies, programmes=programmes,
                  link=link, queue_link=lambda **p: queue_link(user, **p),
                  status_link=lambda s: status_link(user, s), **_today(), monev={}, errors={})


@router.get("/dashboard/monev")
async def monev(request: Request, user: User) -> Response:
    """The monev report of a quarter, semester or year, as PDF or XLSX (monitoring makes it)."""
    _needs_dashboard(user)
    asked, errors = monev_request(request.query_params, _today()["this_year"])
    if asked is None:
        return render(request, "manager/monev.html", status_code=422, monev=dict(request.query_params),
                      errors=errors, **_today())
    params = {"period": asked.period} | ({"region": asked.region} if asked.region else {})
    report = await request.app.state.services.monitoring.monev(user.token, asked.fmt, params)
    filename = f"monev-{asked.region or user.region}-{asked.period}.{asked.fmt}"
    return document(report.content, MEDIA[asked.fmt], filename, attachment=True)


@router.get("/dashboard/reports")
def monev_form(request: Request, user: User) -> Response:
    _needs_dashboard(user)
    return render(request, "manager/monev.html", monev={}, errors={}, **_today())
