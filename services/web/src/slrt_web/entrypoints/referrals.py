"""Referrals (rujukan) for the office: proposing from a complaint's page, the manager's approvals, the
list of referrals, a referral's page with its audit trail and the steps this officer may take; and
the complaint's own audit trail. The referral service decides every step; refusals are explained."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from ..adapters.services import Refused
from ..application.referrals import ACTIONS, PROPOSING_ROLES, command, offered, proposal_body
from ..domain.referral_words import within
from .desk import submission_key
from .i18n import gettext
from .i18n import gettext as _
from .pages import _local
from .rendering import flash, refusal_text, render
from .security import User, check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)])

PAGE = 20
STATUSES = ("awaiting_approval", "declined", "sent", "under_review", "accepted", "rejected", "completed", "revoked")
LISTS = {  # the page's name → the referral service's list, and the filters it takes
    "staff": ("", ("status", "agency", "programme", "field", "region")),
    "approvals": ("approvals", ("agency", "programme", "field", "region")),
    "inbox": ("inbox", ("status", "programme", "region")),
}


def _referral(request: Request) -> Any:
    return request.app.state.services.referral


def agency_names(programmes: list[dict[str, Any]]) -> dict[str, str]:
    """Agency code → its name. The catalogue names an agency per programme, sometimes with the unit
    ("Dinas Sosial - Bidang ..."); where those differ, the office's own name they share is shown."""
    names: dict[str, set[str]] = {}
    for p in programmes:
        names.setdefault(p["agency"], set()).add(p["agency_name"])
    return {code: next(iter(n)) if len(n) == 1 else min(n).split(" - ")[0] for code, n in names.items()}


def fresh_key() -> str:
    """A new Idempotency-Key for one form of the page: sent twice, the form acts once."""
    return str(uuid.uuid4())


def show(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """``render`` with what every referral page uses: a fresh form key, answer times in words."""
    return render(request, template, status_code=status_code, fresh_key=fresh_key,
                  within=lambda text: within(text, gettext), **context)


# -- on the complaint's page (htmx parts) ------------------------------------------------------------
@router.get("/complaints/{complaint_id}/referrals")
async def complaint_referrals(request: Request, complaint_id: UUID, user: User) -> Response:
    """The complaint's referrals and, for the staff who propose, the form to propose one more."""
    try:
        referrals = await _referral(request).for_complaint(user.token, str(complaint_id))
    except Refused as e:
        return show(request, "referrals/on_complaint.html", complaint_id=complaint_id, referrals=[],
                    programmes=[], problem=refusal_text(e.refusal))
    programmes = await _referral(request).programmes(user.token) if user.role in PROPOSING_ROLES else []
    return show(request, "referrals/on_complaint.html", complaint_id=complaint_id, referrals=referrals,
                programmes=programmes, problem=None)


@router.get("/complaints/{complaint_id}/history")
async def complaint_history(request: Request, complaint_id: UUID, user: User) -> Response:
    try:
        entries = await request.app.state.services.intake.history(user.token, str(complaint_id))
        programmes = await _referral(request).programmes(user.token)
    except Refused as e:  # a part of the page: the refusal in its place, not a whole error page
        return render(request, "audit/complaint.html", entries=[], agencies={}, problem=refusal_text(e.refusal))
    return render(request, "audit/complaint.html", entries=entries, problem=None,
                  agencies=agency_names(programmes))


@router.post("/referrals/propose/{complaint_id}")
async def propose(request: Request, complaint_id: UUID, user: User) -> Response:
    form = await request.form()
    try:
        made = await _referral(request).propose(user.token, proposal_body(str(complaint_id), form),
                                                submission_key(form))
    except Refused as e:
        flash(request, "error", refusal_text(e.refusal))
    else:
        flash(request, "ok", _("Referral proposed to %(agency)s; it waits for the manager's approval.")
              % {"agency": made["agency_name"]})
    return RedirectResponse(f"/complaints/{complaint_id}#referrals", 303)


# -- lists -----------------------------------------------------------------------------------------
async def _list(request: Request, user: Any, kind: str, page: int) -> Response:
    which, filters = LISTS[kind]
    chosen = {k: v for k in filters if (v := request.query_params.get(k, "").strip())}
    overdue = request.query_params.get("overdue") == "1" and kind != "approvals"
    params: dict[str, Any] = {**chosen, "limit": PAGE, "offset": (page - 1) * PAGE}
    if overdue:
        params["overdue"] = "true"
    programmes = await _referral(request).programmes(user.token)
    agencies = agency_names(programmes)
    context = dict(kind=kind, filters=filters, statuses=STATUSES, chosen=chosen, overdue=overdue, page=page,
                   programmes=programmes, agencies=dict(sorted(agencies.items(), key=lambda a: a[1])),
                   agency_name=agencies.get(user.agency or ""),
                   here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))
    try:
        result = await _referral(request).page(user.token, which, params)
    except Refused as e:
        return show(request, "referrals/list.html", status_code=e.refusal.status, result=None, pages=0,
                      problem=refusal_text(e.refusal), **context)
    return show(request, "referrals/list.html", result=result, pages=max(1, -(-result["total"] // PAGE)),
                  problem=None, **context)


Page = Annotated[int, Query(ge=1, le=10_000)]


@router.get("/referrals")
async def referral_list(request: Request, user: User, page: Page = 1) -> Response:
    return await _list(request, user, "staff", page)


@router.get("/referrals/approvals")
async def approvals(request: Request, user: User, page: Page = 1) -> Response:
    return await _list(request, user, "approvals", page)


@router.get("/agency")
async def agency_inbox(request: Request, user: User, page: Page = 1) -> Response:
    return await _list(request, user, "inbox", page)


# -- one referral ----------------------------------------------------------------------------------
@router.get("/referrals/{referral_id}")
async def referral_page(request: Request, referral_id: UUID, user: User) -> Response:
    referral = await _referral(request).read(user.token, str(referral_id))
    history = await _referral(request).history(user.token, str(referral_id))
    programmes = await _referral(request).programmes(user.token)
    time = next((p["answer_within"] for p in programmes if p["code"] == referral["programme"]), None)
    return show(request, "referrals/referral.html", r=referral, history=history, programmes=programmes,
                agencies=agency_names(programmes), steps=offered(user, referral),
                programme_time=time)


@router.post("/referrals/{referral_id}/{action}")
async def referral_step(request: Request, referral_id: UUID, action: str, user: User) -> Response:
    if action not in ACTIONS:
        raise HTTPException(404)
    form = await request.form()
    endpoint, body = command(action, form)
    next_page = str(form.get("next") or "")  # back to the list the step was taken from
    back = next_page if _local(next_page) else f"/referrals/{referral_id}"
    try:
        await _referral(request).command(user.token, str(referral_id), endpoint, body, submission_key(form))
    except Refused as e:
        flash(request, "error", refusal_text(e.refusal))
    else:
        flash(request, "ok", _(f"referral-done:{action}"))
    return RedirectResponse(back, 303)
