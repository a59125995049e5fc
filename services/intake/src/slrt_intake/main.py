"""Assemble the intake service: event store, outbox relay, HTTP API."""

from __future__ import annotations

from fastapi import FastAPI
from slrt_runtime.http import create_service_app
from slrt_runtime.settings import ServiceSettings

from .api import router
from .application import IntakeApplication
from .messaging import to_contract

SERVICE = "intake"


def build(settings: ServiceSettings | None = None, *, with_messaging: bool = True) -> FastAPI:
    settings = settings or ServiceSettings()
    application = IntakeApplication(settings)
    return create_service_app(
        SERVICE, application, routers=[router], translate=to_contract,
        with_messaging=with_messaging,
        description="Complaint registration (pengaduan): front office, Puskesos and facilitators.",
    )
