"""The facilitator's field app: an offline-first PWA inside this application.

The page, its script and the service worker live under ``/field/`` (the worker's scope). Captures
are kept in the browser's IndexedDB, each with the complaint id the app made at capture time, and
sent through intake's idempotent batch endpoint: a second sync of the same capture answers
``already_registered`` and never makes a second complaint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from ..adapters.services import Refused
from ..domain.complaint_form import registration_body
from ..domain.refusals import Refusal
from .rendering import refusal_text, render
from .security import User, check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)])
STATIC = Path(__file__).resolve().parents[1] / "static"


class Capture(BaseModel):
    complaint_id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$")
    fields: dict[str, str]


class Sync(BaseModel):
    captures: list[Capture] = Field(min_length=1, max_length=200)


@router.get("/field")
def field_redirect() -> Response:
    return RedirectResponse("/field/", 303)


@router.get("/field/")
def field_app(request: Request, user: User) -> Response:
    if not user.registers:
        raise HTTPException(403, "role")
    village = user.region if len(user.region) == 10 else ""
    return render(request, "field/app.html", village=village)


@router.get("/field/sw.js")
def service_worker() -> Response:
    # Served from /field/ so that its scope is the field app; never cached by HTTP so updates arrive.
    return FileResponse(STATIC / "js" / "field-sw.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})


@router.get("/field/manifest.webmanifest")
def manifest() -> Response:
    return FileResponse(STATIC / "field.webmanifest", media_type="application/manifest+json")


@router.post("/field/sync")
async def sync(request: Request, body: Sync, user: User) -> Response:
    items = [registration_body(c.fields, complaint_id=c.complaint_id) for c in body.captures]
    try:
        answer = await request.app.state.services.intake.register_batch(user.token, items)
    except Refused as e:
        return JSONResponse({"error": refusal_text(e.refusal)}, status_code=e.refusal.status)
    results: list[dict[str, Any]] = []
    for item in answer["results"]:
        if item.get("error"):
            item["error"] = refusal_text(Refusal(422, item["error"]))
        results.append(item)
    return JSONResponse({"results": results})


@router.get("/field/village")
async def village_complaints(request: Request, user: User) -> Response:
    """htmx, online only: the complaints of the facilitator's area already registered (at the desk
    or by another facilitator), so nothing is recorded twice."""
    try:
        queue = await request.app.state.services.intake.queue(user.token, "front-office", {"limit": 50})
    except Refused as e:
        return render(request, "partials/village.html", items=[], problem=refusal_text(e.refusal))
    return render(request, "partials/village.html", items=queue["items"], problem=None)
