"""Assemble the monitoring service: tolerant consumers of every producer's stream, the read models,
live updates, the national publisher and the HTTP API and pages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from slrt_runtime.http import create_app
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.settings import ServiceSettings

from .entrypoints.api.dashboard import public, staff
from .entrypoints.messaging import consumers
from .entrypoints.live import Broadcaster
from .entrypoints.pages import pages
from .entrypoints.api.reports import reports
from .entrypoints.api.national import national, publisher_task
from .application.readmodel import ReadModels
from .application.rebuild import Progress

SERVICE = "monitoring"


def build(settings: ServiceSettings | None = None, *, with_messaging: bool = True) -> FastAPI:
    settings = settings or ServiceSettings()
    view = ReadModels(settings)
    messaging = None
    if with_messaging:
        messaging = ServiceMessaging(SERVICE, settings)
        for consumer in consumers(view, settings):
            messaging.add_consumer(consumer)
    app = create_app(
        SERVICE, settings, routers=[public, staff, pages, reports, national], messaging=messaging,
        ready_check=lambda: view.max_tracking_id("intake"),
        description="Read models of the SLRT flow: public tracking and dashboard, staff dashboard with live "
        "updates, monev reports, rebuild from the streams, the anonymised national stream.",
    )
    broadcaster = Broadcaster(view)
    app.state.view, app.state.broadcaster, app.state.rebuild = view, broadcaster, Progress()
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await broadcaster.start()
        async with inner(app):
            task = asyncio.create_task(publisher_task(app)) if messaging is not None else None
            try:
                yield
            finally:
                if task is not None:
                    task.cancel()
                await broadcaster.stop()

    app.router.lifespan_context = lifespan
    return app
