"""Letters for the office: the request form generated from the letter catalogue, the letter's page
(checklist with scans, the validation result, paraf, signature, return, rejection, revocation, the
PDF), the letters of the officer's region, each signer's queue, and the monthly BPJS batch."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from ..adapters.services import Refused
from ..domain.letter_form import BATCH_STAFF, OFFICERS, PARAF, SIGNERS, fields_of, offered, request_body
from .desk import submission_key
from .i18n import gettext as _
from .rendering import WIB, document, flash, refusal_text, render
from .security import User, check_csrf

router = APIRouter(prefix="/letters", dependencies=[Depends(check_csrf)])

PAGE = 20
STATUSES = ("requested", "documents_complete", "validation_failed", "verified", "returned", "awaiting_paraf",
            "awaiting_signature", "signed", "issued", "rejected", "revoked")
REASONED = ("return", "reject", "revoke")
COMMANDS = ("verify", "draft", "paraf", "sign", *REASONED)
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"


def _letters(request: Request) -> Any:
    return request.app.state.services.letters


def _kind(types: list[dict[str, Any]], code: str) -> dict[str, Any]:
    found = next((t for t in types if t["code"] == code), None)
    if found is None:
        raise HTTPException(404)
    return found


@router.get("")
async def letters_home(request: Request, user: User, status: str = "", letter_type: str = "",
                       page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    """The officer's letters of their region; a signer's home is their queue."""
    if user.role in PARAF | SIGNERS and not (status or letter_type):
        return RedirectResponse("/letters/queue", 303)
    params: dict[str, Any] = {"limit": PAGE, "offset": (page - 1) * PAGE}
    chosen = {k: v for k, v in (("status", status), ("letter_type", letter_type)) if v}
    result = await _letters(request).letters(user.token, {**params, **chosen})
    types = await _letters(request).types(user.token)
    return render(request, "letters/list.html", result=result, chosen=chosen, statuses=STATUSES, types=types,
                  page=page, pages=max(1, -(-result["total"] // PAGE)), may_request=user.role in OFFICERS)


@router.get("/queue")
async def signer_queue(request: Request, user: User, page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                       overdue: str = "") -> Response:
    params: dict[str, Any] = {"limit": PAGE, "offset": (page - 1) * PAGE}
    if overdue == "1":
        params["overdue"] = "true"
    try:
        result = await _letters(request).queue(user.token, params)
    except Refused as e:
        return render(request, "letters/queue.html", status_code=e.refusal.status, result=None,
                      problem=refusal_text(e.refusal), page=page, pages=0, overdue=overdue == "1")
    return render(request, "letters/queue.html", result=result, problem=None, page=page, overdue=overdue == "1",
                  pages=max(1, -(-result["total"] // PAGE)))


@router.get("/new")
async def new_letter(request: Request, user: User, letter_type: str = "", complaint_id: str = "",
                     receipt_number: str = "") -> Response:
    types = await _letters(request).types(user.token)
    link = {"complaint_id": complaint_id, "receipt_number": receipt_number}
    if not letter_type:
        return render(request, "letters/choose.html", types=types, link=link)
    kind = _kind(types, letter_type)
    # One key per form shown: the same form sent twice requests one letter.
    return render(request, "letters/new.html", kind=kind, fields=fields_of(kind), errors={},
                  form={**link, "submission_key": str(uuid.uuid4())}, presented=[])


@router.post("/new")
async def request_letter(request: Request, user: User) -> Response:
    form = await request.form()
    kind = _kind(await _letters(request).types(user.token), str(form.get("letter_type") or ""))
    try:
        letter = await _letters(request).request(user.token, request_body(kind, form, submission_key(form)))
    except Refused as e:
        flash(request, "error", refusal_text(e.refusal))
        errors = {field.split(".")[0]: problem for field, problem in e.refusal.fields}
        return render(request, "letters/new.html", status_code=422, kind=kind, fields=fields_of(kind),
                      errors=errors, form=dict(form), presented=form.getlist("documents"))
    flash(request, "ok", _("Letter requested. Check the documents and verify it."))
    return RedirectResponse(f"/letters/{letter['letter_id']}", 303)


@router.get("/bpjs")
async def bpjs_batch(request: Request, user: User, period: Annotated[str, Query(pattern=PERIOD)] = "") -> Response:
    if user.role not in BATCH_STAFF:
        raise HTTPException(403)
    period = period or dt.datetime.now(WIB).strftime("%Y-%m")
    try:
        batch = await _letters(request).batch(user.token, period)
    except Refused as e:
        if e.refusal.status != 404:
            raise
        batch = None  # no letter for BPJS this month yet
    return render(request, "letters/bpjs.html", period=period, batch=batch)


@router.post("/bpjs/{period}/close")
async def close_batch(request: Request, period: str, user: User) -> Response:
    await _act(request, _letters(request).close_batch(user.token, _period(period)), _("The batch is closed; "
               "its file for BPJS is ready."))
    return RedirectResponse(f"/letters/bpjs?period={period}", 303)


@router.post("/bpjs/{period}/reconciliation")
async def reconcile(request: Request, period: str, user: User) -> Response:
    upload = (await request.form()).get("file")
    if upload is None or isinstance(upload, str):
        flash(request, "error", _("Choose BPJS's reconciliation file."))
    else:
        await _act(request, _letters(request).reconcile(user.token, _period(period), upload.filename or "bpjs",
                                                       await upload.read()), _("BPJS's decisions are recorded."))
    return RedirectResponse(f"/letters/bpjs?period={period}", 303)


@router.get("/bpjs/{period}/file.{fmt}")
async def batch_file(request: Request, period: str, fmt: str, user: User) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404)
    content, media = await _letters(request).batch_file(user.token, _period(period), fmt)
    return document(content, media, f"bpjs-{period}.{fmt}", attachment=True)


@router.get("/{letter_id}")
async def letter_page(request: Request, letter_id: uuid.UUID, user: User) -> Response:
    letter = await _letters(request).letter(user.token, str(letter_id))
    return render(request, "letters/letter.html", letter=letter, commands=offered(user.role, letter),
                  officer=user.role in OFFICERS)


@router.get("/{letter_id}/pdf")
async def letter_pdf(request: Request, letter_id: uuid.UUID, user: User) -> Response:
    """The signed letter, fetched with the officer's own token (the letters service checks the region)."""
    pdf = await _letters(request).pdf(user.token, str(letter_id))
    return document(pdf, "application/pdf", f"surat-{letter_id}.pdf")


@router.post("/{letter_id}/documents")
async def documents(request: Request, letter_id: uuid.UUID, user: User) -> Response:
    form = await request.form()
    letter = await _letters(request).letter(user.token, str(letter_id))
    ticked = set(form.getlist("documents"))
    presented = {d["code"]: d["code"] in ticked for d in letter["documents"]}
    await _act(request, _letters(request).command(user.token, str(letter_id), "documents", {"presented": presented}),
               _("The checklist is saved."))
    return RedirectResponse(f"/letters/{letter_id}", 303)


@router.post("/{letter_id}/documents/{code}/scan")
async def scan(request: Request, letter_id: uuid.UUID, code: str, user: User) -> Response:
    upload = (await request.form()).get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        flash(request, "error", _("Choose the scan (PDF, JPEG or PNG) to upload."))
    else:
        content = await upload.read()
        await _act(request, _letters(request).scan(user.token, str(letter_id), code, upload.filename, content,
                                                  upload.content_type or "application/octet-stream"),
                   _("The scan is attached."))
    return RedirectResponse(f"/letters/{letter_id}", 303)


@router.post("/{letter_id}/{command}")
async def run_command(request: Request, letter_id: uuid.UUID, command: str, user: User) -> Response:
    if command not in COMMANDS:
        raise HTTPException(404)
    form = await request.form()
    body = {"reason": str(form.get("reason") or "").strip()} if command in REASONED else None
    if command == "draft" and (destination := str(form.get("destination") or "").strip()):
        body = {"destination": destination}
    done = await _act(request, _letters(request).command(user.token, str(letter_id), command, body),
                      _(f"letter-done:{command}"))
    if done and command in ("paraf", "sign"):
        return RedirectResponse("/letters/queue", 303)  # on to the next letter waiting
    return RedirectResponse(f"/letters/{letter_id}", 303)


async def _act(request: Request, call: Any, done: str) -> bool:
    """Run a command; a refusal is told in Indonesian on the page the officer returns to."""
    try:
        await call
    except Refused as e:
        flash(request, "error", refusal_text(e.refusal))
        return False
    flash(request, "ok", done)
    return True


def _period(period: str) -> str:
    if not re.fullmatch(PERIOD, period):
        raise HTTPException(404)
    return period
