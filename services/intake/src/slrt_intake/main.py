"""Assemble the intake service: event store, outbox relay, consumers, deadlines, work queues, HTTP API."""

from __future__ import annotations

from fastapi import FastAPI
from slrt_runtime.http import create_service_app
from slrt_runtime.settings import ServiceSettings

from .entrypoints.api import complaints_router, queues_router
from .application import IntakeApplication
from .entrypoints.messaging import consumers, translator
from .adapters.notify import channel_from_env
from .application.people import PersonIndex
from .application.queues import WorkQueues
from .application.deadlines import deadline_book

SERVICE = "intake"


def build(settings: ServiceSettings | None = None, *, with_messaging: bool = True,
          application: IntakeApplication | None = None) -> FastAPI:
    settings = settings or ServiceSettings()
    application = application or IntakeApplication(settings)
    application.notifier = channel_from_env()
    book = deadline_book(application)
    app = create_service_app(
        SERVICE, application, routers=[complaints_router, queues_router], translate=translator(application),
        consumers=consumers(application, settings), with_messaging=with_messaging,
        deadlines=(book, application.on_due),
        description="Complaints (pengaduan): registration at desks and by facilitators, receipts, DTKS branches, "
                    "tiered handling with time standards, escalation, resolution and appeal, work queues.",
    )
    app.state.queues = WorkQueues(application)
    app.state.people = PersonIndex(application, app.state.queues)
    return app
