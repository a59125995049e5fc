"""Monitoring HTTP API: the public tracking page (no personal data) and staff summaries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel
from slrt_runtime.auth import CurrentActor

from .readmodel import ComplaintStatusView

public = APIRouter(prefix="/public", tags=["public"])
staff = APIRouter(prefix="/summary", tags=["monitoring"])


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


def view(request: Request) -> ComplaintStatusView:
    return request.app.state.view


View = Annotated[ComplaintStatusView, Depends(view)]


@public.get("/track/{receipt_number}", response_model=Tracking,
            summary="Track a complaint by its receipt number (for citizens; no personal data)")
def track(receipt_number: str, view: View) -> dict[str, Any]:
    if len(receipt_number) > 32:
        raise HTTPException(422, "receipt number is at most 32 characters")
    result = view.track(receipt_number)
    if result is None:
        raise HTTPException(404, "Nomor resi tidak ditemukan (receipt number not found)")
    return result


@staff.get("", summary="Complaint counts by status, type, channel, village and field")
def summary(view: View, actor: CurrentActor,
            region: Annotated[str | None, Query(pattern=r"^\d{2,10}$")] = None) -> dict[str, dict[str, int]]:
    # Staff see their own region; a narrower filter inside it is allowed.
    prefix = region if region and region.startswith(actor.region) else actor.region
    return view.summary(prefix)
