"""Assemble the intake service: event store, outbox relay, HTTP API."""

from __future__ import annotations

from fastapi import FastAPI
from slrt_runtime.http import create_app
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.settings import ServiceSettings

from .api import router
from .application import IntakeApplication
from .messaging import to_contract

SERVICE = "intake"


def build(settings: ServiceSettings | None = None, *, with_messaging: bool = True) -> FastAPI:
    settings = settings or ServiceSettings()
    application = IntakeApplication(settings)
    messaging = None
    if with_messaging:
        messaging = ServiceMessaging(SERVICE, settings)
        messaging.add_relay(application, to_contract)
    app = create_app(
        SERVICE, settings, routers=[router], messaging=messaging,
        ready_check=application.recorder.max_notification_id,
        description="Complaint registration (pengaduan): front office, Puskesos and facilitators.",
    )
    app.state.application = application
    return app
