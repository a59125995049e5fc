"""A complaint's page (timeline, DTKS result, what to tell the citizen, commands), its printable
receipt, and the work queues of each role."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from ..adapters.services import Refused
from ..application.commands import COMMANDS, offered
from ..domain.letter_form import OFFICERS as LETTER_OFFICERS
from .i18n import gettext as _
from .rendering import document, flash, refusal_text, render
from .security import User, check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)])

QUEUES = ("front-office", "puskesos", "back-office", "supervisor", "manager")
FILTERS = ("status", "field", "complaint_type", "programme", "region")
PAGE = 20


@router.get("/complaints/find")
async def find_by_receipt(request: Request, user: User, receipt: str = "") -> Response:
    receipt = receipt.strip().upper()
    if not receipt:
        return RedirectResponse(user.home, 303)
    try:
        found = await request.app.state.services.intake.by_receipt(user.token, receipt)
    except Refused as e:
        flash(request, "error", refusal_text(e.refusal))
        return RedirectResponse(user.home, 303)
    return RedirectResponse(f"/complaints/{found['complaint_id']}", 303)


@router.get("/complaints/{complaint_id}")
async def complaint_page(request: Request, complaint_id: UUID, user: User, new: int = 0) -> Response:
    complaint = await request.app.state.services.intake.complaint(user.token, str(complaint_id))
    settings = request.app.state.settings
    tracking = settings.public_tracking_url.format(receipt_number=complaint["receipt_number"])
    return render(request, "cases/complaint.html", c=complaint, new=bool(new), commands=offered(user, complaint),
                  tracking_url=tracking, may_request_letter=user.role in LETTER_OFFICERS)


@router.get("/complaints/{complaint_id}/ticket")
async def queue_ticket(request: Request, complaint_id: UUID, user: User) -> Response:
    """The queue ticket for the waiting citizen: a small page for the desk's (ticket) printer."""
    complaint = await request.app.state.services.intake.complaint(user.token, str(complaint_id))
    return render(request, "cases/ticket.html", c=complaint)


@router.get("/complaints/{complaint_id}/receipt.pdf")
async def receipt_pdf(request: Request, complaint_id: UUID, user: User) -> Response:
    pdf = await request.app.state.services.intake.receipt_pdf(user.token, str(complaint_id))
    return document(pdf, "application/pdf", f"resi-{complaint_id}.pdf")


@router.post("/complaints/{complaint_id}/{command}")
async def run_command(request: Request, complaint_id: UUID, command: str, user: User) -> Response:
    if command not in COMMANDS:
        raise HTTPException(404)
    body = COMMANDS[command].body(await request.form())
    try:
        await request.app.state.services.intake.command(user.token, str(complaint_id), command, body)
    except Refused as e:
        flash(request, "error", refusal_text(e.refusal))
    else:
        flash(request, "ok", _(f"command-done:{command}"))
    return RedirectResponse(f"/complaints/{complaint_id}", 303)


@router.get("/queues")
def my_queue(user: User) -> Response:
    return RedirectResponse(f"/queues/{user.queue}", 303)


@router.get("/queues/{queue}")
async def work_queue(request: Request, queue: str, user: User,
                     page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    if queue not in QUEUES:
        raise HTTPException(404)
    chosen = {k: v for k in FILTERS if (v := request.query_params.get(k, "").strip())}
    overdue = request.query_params.get("overdue") == "1"
    params: dict[str, Any] = {**chosen, "limit": PAGE, "offset": (page - 1) * PAGE}
    if overdue:
        params["overdue"] = "true"
    try:
        result = await request.app.state.services.intake.queue(user.token, queue, params)
    except Refused as e:
        return render(request, "cases/queue.html", status_code=e.refusal.status, queue=queue, result=None,
                      problem=refusal_text(e.refusal), chosen=chosen, overdue=overdue, page=page, pages=0)
    pages = max(1, -(-result["total"] // PAGE))
    return render(request, "cases/queue.html", queue=queue, result=result, chosen=chosen, overdue=overdue,
                  page=page, pages=pages, problem=None)
