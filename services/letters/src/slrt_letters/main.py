"""Assemble the letters service: event store, outbox relay, HTTP API."""

from __future__ import annotations

from fastapi import FastAPI
from slrt_runtime.http import create_app
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.settings import ServiceSettings

from .api import router
from .application import LettersApplication
from .messaging import to_contract

SERVICE = "letters"


def build(settings: ServiceSettings | None = None, *, with_messaging: bool = True) -> FastAPI:
    settings = settings or ServiceSettings()
    application = LettersApplication(settings)
    messaging = None
    if with_messaging:
        # Publishes only: letters consumes no upstream event yet (requests come over HTTP).
        messaging = ServiceMessaging(SERVICE, settings)
        messaging.add_relay(application, to_contract)
    app = create_app(
        SERVICE, settings, routers=[router], messaging=messaging,
        ready_check=application.recorder.max_notification_id,
        description="Letters of the social office (SKTM, KIS PBI-Daerah recommendation): "
        "request, paraf Kasi -> Kabid -> Sekdin, signature and number by the Kadin.",
    )
    app.state.application = application
    return app
