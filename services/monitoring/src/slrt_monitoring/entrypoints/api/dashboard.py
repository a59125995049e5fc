"""Monitoring HTTP API: public tracking and dashboard (no personal data, small cells suppressed),
staff dashboard data, live updates, rebuild and lag."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from slrt_contracts import Actor, ReceiptNumber, Role, Text
from slrt_contracts.values import RECEIPT_NUMBER_PATTERN
from slrt_runtime.auth import CurrentActor, require_roles

from ...application.dashboard import counts, dashboard, oldest_open
from ...domain.periods import Period
from ...application.public import public_dashboard, track as track_receipt
from ...application.readmodel import ReadModels
from ...application.rebuild import Progress, rebuild
from ..tracking_page import not_found_page, tracking_page

public = APIRouter(prefix="/public", tags=["public"])
staff = APIRouter(tags=["monitoring"])

RegionQuery = Annotated[str | None, Query(pattern=r"^\d{2}(\d{2}(\d{2}(\d{4})?)?)?$", description="Region code")]
PeriodQuery = Annotated[Text | None, Query(max_length=8, description="YYYY, YYYY-S1, YYYY-Q3 or YYYY-M11")]
STAFF_ROLES = (Role.MANAGER, Role.SUPERVISOR, Role.FRONT_OFFICE, Role.BACK_OFFICE, Role.PUSKESOS, Role.KADIN,
               Role.SEKDIN, Role.KABID, Role.KASI)


class TimelineStep(BaseModel):
    at: str
    event: str
    label: str


class Tracking(BaseModel):
    receipt_number: str
    status: str
    status_label: str
    registered_at: str | None
    updated_at: str | None
    timeline: list[TimelineStep]


def models(request: Request) -> ReadModels:
    return request.app.state.view


Models = Annotated[ReadModels, Depends(models)]
Staff = Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]


def scoped(actor: Actor, region: str | None) -> str:
    """Staff see their own region, or a narrower one inside it; anything else is 403."""
    if region is None:
        return actor.region
    if not actor.covers(region):
        raise HTTPException(403, f"actor's region {actor.region} does not cover {region}")
    return region


def wants_html(request: Request) -> bool:
    """A browser (the receipt's QR code) gets the page; API clients keep the JSON."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


@public.get("/track", response_class=HTMLResponse, include_in_schema=False)
def track_form(receipt: Annotated[str, Query(max_length=64)] = "") -> Response:
    receipt = receipt.strip().upper()
    if re.match(RECEIPT_NUMBER_PATTERN, receipt):
        return RedirectResponse(f"/public/track/{quote(receipt)}", 303)
    return HTMLResponse(not_found_page(receipt), status_code=422 if receipt else 200)


@public.get("/track/{receipt_number}", response_model=Tracking,
            responses={200: {"content": {"text/html": {}}}},
            summary="Track a complaint by its receipt number (for citizens; no personal data); "
                    "HTML for a browser (Accept: text/html), JSON otherwise")
def track(receipt_number: ReceiptNumber, view: Models, request: Request) -> Any:
    html = wants_html(request)
    result = track_receipt(view.store, receipt_number)
    if result is None:
        if html:
            return HTMLResponse(not_found_page(receipt_number), status_code=404)
        raise HTTPException(404, "Nomor resi tidak ditemukan (receipt number not found)")
    if html:
        return HTMLResponse(tracking_page(result), headers={"Vary": "Accept"})
    return JSONResponse(Tracking.model_validate(result).model_dump(), headers={"Vary": "Accept"})


@public.get("/dashboard", summary="Public aggregates by area; counts of 1-4 shown as '<5'")
def public_figures(request: Request, view: Models, region: RegionQuery = None, period: PeriodQuery = None) -> dict[str, Any]:
    return public_dashboard(view.store, region or request.app.state.settings.district, Period.parse(period))


@staff.get("/summary", summary="Complaint counts by status, type, channel, village and field")
def summary(view: Models, actor: CurrentActor, region: RegionQuery = None) -> dict[str, dict[str, int]]:
    prefix = region if region and region.startswith(actor.region) else actor.region
    c = counts(view.store, prefix, Period.parse(None))
    villages = counts(view.store, prefix, Period.parse(None), group_len=10)
    return {"status": c.get("status", {}), "complaint_type": c.get("type", {}), "channel": c.get("channel", {}),
            "field": c.get("field", {}),
            "village": {v: n for v, cv in villages.items() if (n := cv.get("complaints", {}).get("all", 0))}}


@staff.get("/dashboard/data", summary="Staff dashboard: the four parts, compliance, queues, letters")
def dashboard_data(view: Models, actor: Staff, region: RegionQuery = None, period: PeriodQuery = None) -> dict[str, Any]:
    prefix = scoped(actor, region)
    figures = dashboard(view.store, prefix, Period.parse(period))
    figures["queues"]["oldest_open"] = oldest_open(view.store, prefix)
    return figures


Admin = Annotated[Actor, Depends(require_roles(Role.MANAGER))]


@staff.post("/admin/rebuild", status_code=202, summary="Rebuild the read models from the streams, then swap")
async def start_rebuild(request: Request, view: Models, actor: Admin) -> dict[str, Any]:
    state = request.app.state
    progress: Progress = state.rebuild
    if progress.state in ("replaying", "swapping"):
        raise HTTPException(409, "a rebuild is already running")
    messaging = state.messaging
    js = messaging.jetstream() if messaging is not None else None
    if js is None:
        raise HTTPException(503, "not connected to NATS: cannot read the streams now")
    state.rebuild_task = asyncio.create_task(rebuild(view, js, progress))
    await asyncio.sleep(0)
    return progress.as_dict()


@staff.get("/admin/rebuild", summary="Progress of the last rebuild (events read, lag, rate)")
def rebuild_progress(request: Request, actor: Admin) -> dict[str, Any]:
    return request.app.state.rebuild.as_dict()


@staff.get("/admin/lag", summary="Live consumers: events still to apply per stream")
async def lag(request: Request, actor: Staff) -> dict[str, Any]:
    messaging = request.app.state.messaging
    js = messaging.jetstream() if messaging is not None else None
    if js is None:
        return {"connected": False, "consumers": {}}
    out = {}
    for consumer in messaging.consumers:
        try:
            info = await js.consumer_info(consumer.stream.name, consumer.durable)
            out[consumer.name] = {"pending": info.num_pending, "ack_pending": info.num_ack_pending,
                                  "applied": consumer.processed, "ignored": getattr(consumer, "ignored", 0)}
        except Exception as e:  # noqa: BLE001 - not created yet
            out[consumer.name] = {"error": type(e).__name__}
    return {"connected": True, "generation": request.app.state.view.generation, "consumers": out}
