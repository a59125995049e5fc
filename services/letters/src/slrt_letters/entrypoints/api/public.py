"""The public verification page: what the QR code on a letter opens. No login, no personal data
beyond a masked name."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse

from .common import App, read_upload

router = APIRouter(prefix="/public", tags=["public"])

_STATUS_ID = {"valid": "SAH", "revoked": "DICABUT", "unknown": "TIDAK DIKENAL"}


@router.get("/verify/{letter_id}", summary="Is this letter valid, revoked or unknown? (JSON, or HTML for browsers)")
def verify_page(letter_id: str, request: Request, app: App) -> Any:
    try:
        status = app.public_status(UUID(letter_id))
    except ValueError:
        status = {"status": "unknown", "letter_id": None}
    if "text/html" not in request.headers.get("accept", ""):
        return JSONResponse(_json(status))
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in (
        ("Status", _STATUS_ID[status["status"]]), ("Jenis surat", status.get("title")),
        ("Nomor", status.get("letter_number")), ("Tanggal", status.get("issued_on")),
        ("Penerbit", status.get("issuer")), ("Ditandatangani oleh", _official(status.get("signed_by"))),
        ("Atas nama", status.get("holder")),
        ("Dicabut pada", status.get("revoked_on"))) if v)
    return HTMLResponse(f"<!doctype html><html lang='id'><meta charset='utf-8'><title>Verifikasi surat</title>"
                        f"<h1>Verifikasi surat</h1><table>{rows}</table>"
                        "<p>Unggah PDF surat ke POST /public/verify untuk memeriksa keasliannya.</p></html>")


@router.post("/verify", summary="Is this PDF the unaltered signed original? (signature and recorded hash)")
def verify_upload(app: App, file: Annotated[UploadFile, File()],
                  letter_id: Annotated[UUID | None, Form()] = None) -> dict[str, Any]:
    return _json(app.verify_upload(read_upload(file, app.settings.letters_max_upload_bytes), letter_id))


def _official(signed_by: dict[str, str] | None) -> str | None:
    return f"{signed_by['name']}, {signed_by['position']} (NIP {signed_by['nip']})" if signed_by else None


def _json(status: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if v is not None and not isinstance(v, (bool, int, str, dict)) else v)
            for k, v in status.items()}
