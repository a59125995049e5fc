"""Citizen pages, no sign-in and no personal data: a form to type a receipt number (the tracking
page itself is monitoring's, where the receipt's QR code leads) and the letter check by upload."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from ..adapters.services import Refused
from .i18n import gettext as _
from .rendering import refusal_text, render
from .security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)])
RECEIPT = re.compile(r"^[A-Z]{2}-\d{4}-\d{2}-\d{6}$")
MAX_PDF = 10 * 1024 * 1024


@router.get("/track")
def track(request: Request, receipt: str = "") -> Response:
    receipt = receipt.strip().upper()
    if not receipt:
        return render(request, "citizen/track.html", problem=None)
    if not RECEIPT.match(receipt):
        return render(request, "citizen/track.html", status_code=422, receipt=receipt,
                      problem=_("A receipt number looks like RK-1605-26-000123."))
    return RedirectResponse(request.app.state.settings.public_tracking_url.format(receipt_number=receipt), 303)


@router.get("/verify")
def verify_form(request: Request) -> Response:
    return render(request, "citizen/verify.html", result=None)


@router.post("/verify")
async def verify_upload(request: Request, file: Annotated[UploadFile, File()]) -> Response:
    content = await file.read(MAX_PDF + 1)
    if not content or len(content) > MAX_PDF:
        return render(request, "citizen/verify.html", status_code=422, result=None,
                      problem=_("Choose the letter's PDF file (at most 10 MB)."))
    try:
        result = await request.app.state.services.letters.verify_upload(file.filename or "surat.pdf", content)
    except Refused as e:
        return render(request, "citizen/verify.html", status_code=e.refusal.status, result=None,
                      problem=refusal_text(e.refusal))
    return render(request, "citizen/verify.html", result=result)
