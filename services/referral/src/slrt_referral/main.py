"""Assemble the referral service: event store, consumer of DTKS checks, outbox relay, HTTP API."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI
from slrt_runtime.http import create_service_app
from slrt_runtime.settings import ServiceSettings

from .api import router
from .application import ReferralApplication
from .messaging import consumers, to_contract

SERVICE = "referral"


def build(settings: ServiceSettings | None = None, *, with_messaging: bool = True) -> FastAPI:
    settings = settings or ServiceSettings()
    application = ReferralApplication(settings)
    return create_service_app(
        SERVICE, application, routers=[router], translate=partial(to_contract, app=application),
        consumers=consumers(application, settings),
        with_messaging=with_messaging,
        description="Referrals (rujukan) to agencies: routing, manager approval, agency answers.",
    )
