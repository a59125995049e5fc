"""Publishing the national stream: at a set interval and on demand, on
``slrt.{district}.monitoring.aggregates`` (the one subject the district NATS lets cross to the national hub).

A snapshot is a picture, not a fact to replay: publishing straight to JetStream (with the snapshot id
as ``Nats-Msg-Id``) is enough — a lost one is replaced by the next, and the national side keeps the
latest per district.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from slrt_contracts import Actor, Role
from slrt_contracts.envelope import encode
from slrt_contracts.events.monitoring import DistrictAggregatesPublished
from slrt_runtime.auth import require_roles

from .dashboard import PeriodQuery
from ...domain.periods import Period
from ...application.snapshot import snapshot

log = logging.getLogger(__name__)
national = APIRouter(prefix="/national", tags=["national stream"])


class NationalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_MONITORING_NATIONAL_", extra="ignore")

    interval_seconds: float = Field(default=3600.0, description="How often the district publishes its aggregates")
    period: str = Field(default="", description="Monev period published at each interval; empty = all time")


async def publish(app: FastAPI, period: Period) -> DistrictAggregatesPublished:
    messaging = app.state.messaging
    js = messaging.jetstream() if messaging is not None else None
    if js is None:
        raise HTTPException(503, "not connected to NATS")
    event = await asyncio.to_thread(snapshot, app.state.view.store, app.state.settings.district, period)
    subject, body, headers = encode(event, event_id=str(event.snapshot_id), time=event.generated_at)
    await js.publish(subject, body, headers=headers, timeout=10.0)
    app.state.national_published = getattr(app.state, "national_published", 0) + 1
    return event


async def publisher_task(app: FastAPI) -> None:
    settings = NationalSettings()
    messaging = app.state.messaging
    while True:
        await asyncio.sleep(settings.interval_seconds)
        if messaging is None or not messaging.connected.is_set():
            continue
        try:
            await publish(app, Period.parse(settings.period))
        except Exception as e:  # noqa: BLE001 - the next interval tries again
            log.warning("national aggregates not published: %s", type(e).__name__)


@national.post("/publish", summary="Publish this district's anonymised aggregates now")
async def publish_now(request: Request, actor: Annotated[Actor, Depends(require_roles(Role.MANAGER))],
                      period: PeriodQuery = None) -> dict[str, Any]:
    event = await publish(request.app, Period.parse(period))
    return {"subject": event.subject(), "snapshot_id": str(event.snapshot_id), "cells": len(event.cells),
            "generated_at": event.generated_at.astimezone(dt.timezone.utc).isoformat()}
