"""Assemble the referral service: event store, consumer of DTKS checks, outbox relay, HTTP API."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI
from slrt_runtime.http import create_app
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.settings import ServiceSettings

from .api import router
from .application import ReferralApplication
from .messaging import consumers, to_contract

SERVICE = "referral"


def build(settings: ServiceSettings | None = None, *, with_messaging: bool = True) -> FastAPI:
    settings = settings or ServiceSettings()
    application = ReferralApplication(settings)
    messaging = None
    if with_messaging:
        messaging = ServiceMessaging(SERVICE, settings)
        messaging.add_relay(application, partial(to_contract, app=application))
        for consumer in consumers(application, settings):
            messaging.add_consumer(consumer)
    app = create_app(
        SERVICE, settings, routers=[router], messaging=messaging,
        ready_check=application.recorder.max_notification_id,
        description="Referrals (rujukan) to agencies: routing, manager approval, agency answers.",
    )
    app.state.application = application
    return app
