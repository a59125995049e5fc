"""Assemble the letters service: event store, outbox relay, HTTP API."""

from __future__ import annotations

from fastapi import FastAPI
from slrt_runtime.http import create_service_app
from slrt_runtime.settings import ServiceSettings

from .api import router
from .application import LettersApplication
from .messaging import to_contract

SERVICE = "letters"


def build(settings: ServiceSettings | None = None, *, with_messaging: bool = True) -> FastAPI:
    settings = settings or ServiceSettings()
    application = LettersApplication(settings)
    return create_service_app(
        SERVICE, application, routers=[router], translate=to_contract,
        with_messaging=with_messaging,
        description="Letters of the social office (SKTM, KIS PBI-Daerah recommendation): "
        "request, paraf Kasi -> Kabid -> Sekdin, signature and number by the Kadin.",
    )
