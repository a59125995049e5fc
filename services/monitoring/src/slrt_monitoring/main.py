"""Assemble the monitoring service: consumers of every producer's stream, read model, HTTP API."""

from __future__ import annotations

from fastapi import FastAPI
from slrt_contracts import ComplaintRegistered, DTKSChecked, LetterInitialled, LetterRequested, LetterSigned
from slrt_contracts import ReferralAnswered, ReferralSent
from slrt_contracts.streams import PRODUCER_STREAMS
from slrt_runtime.consumers import Delivery, TrackedConsumer
from slrt_runtime.http import create_app
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.settings import ServiceSettings

from .api import public, staff
from .readmodel import ComplaintStatusView, open_view

SERVICE = "monitoring"
TRACKED = (ComplaintRegistered, DTKSChecked, ReferralSent, ReferralAnswered, LetterRequested,
           LetterInitialled, LetterSigned)


def consumers(view: ComplaintStatusView, settings: ServiceSettings) -> list[TrackedConsumer]:
    def handle(delivery: Delivery) -> None:
        view.apply(delivery, event_id=f"{delivery.upstream}:{delivery.notification_id}")

    return [
        TrackedConsumer(
            name=f"monitoring-{producer}", stream=spec, subject=f"slrt.{settings.district}.{producer}.>",
            handle=handle, district=settings.district, accepts=TRACKED,
            max_deliver=settings.consumer_max_deliver, ack_wait_seconds=settings.consumer_ack_wait_seconds,
        )
        for producer, spec in PRODUCER_STREAMS.items()
    ]


def build(settings: ServiceSettings | None = None, *, with_messaging: bool = True) -> FastAPI:
    settings = settings or ServiceSettings()
    view = open_view(settings)
    messaging = None
    if with_messaging:
        messaging = ServiceMessaging(SERVICE, settings)
        for consumer in consumers(view, settings):
            messaging.add_consumer(consumer)
    app = create_app(
        SERVICE, settings, routers=[public, staff], messaging=messaging,
        ready_check=lambda: view.max_tracking_id("intake"),
        description="Read models of the complaint flow: public tracking by receipt number, summaries.",
    )
    app.state.view = view
    return app
