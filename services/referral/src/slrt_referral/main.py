"""Assemble the referral service: event store (with the seed catalogue), consumers of complaints and
agency answers, outbox relay, deadline watcher (ReferralOverdue), HTTP API."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI
from slrt_runtime.http import create_service_app
from slrt_runtime.settings import ServiceSettings

from .adapters.agency_access import AgencyInboxes
from .entrypoints.api import routers
from .application import ReferralApplication
from .entrypoints.messaging import consumers, to_contract
from .application.deadlines import deadline_book, on_due

SERVICE = "referral"


def build(settings: ServiceSettings | None = None, *, with_messaging: bool = True,
          application: ReferralApplication | None = None) -> FastAPI:
    settings = settings or ServiceSettings()
    application = application or ReferralApplication(settings)
    application.seed_catalogue()
    inboxes = AgencyInboxes(application)
    service = create_service_app(
        SERVICE, application, routers=routers, translate=partial(to_contract, app=application),
        consumers=consumers(application, settings),
        with_messaging=with_messaging,
        deadlines=(deadline_book(application), partial(on_due, application)),
        background=[inboxes] if with_messaging else [],
        description="Referrals (rujukan) to agencies: programme catalogue, proposals, manager approval, "
        "agency answers and outcomes, revoke and redirect.",
    )
    if service.state.messaging is not None:
        inboxes.jetstream = service.state.messaging.jetstream
    return service
