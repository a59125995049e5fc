"""Assemble the letters service: event store, outbox relay, deadline watcher, HTTP API."""

from __future__ import annotations

from fastapi import FastAPI
from slrt_runtime.http import create_service_app
from slrt_runtime.settings import ServiceSettings

from .adapters.dtks import Dtks
from .application import LettersApplication
from .application.deadlines import deadline_book, on_due_for
from .application.queues import LetterQueues
from .entrypoints.api import bpjs, letters, public, worklist
from .entrypoints.messaging import to_contract

SERVICE = "letters"


def build(settings: ServiceSettings | None = None, *, with_messaging: bool = True, dtks: Dtks | None = None,
          with_deadlines: bool = True) -> FastAPI:
    application = LettersApplication(settings, dtks=dtks)
    application.signer  # noqa: B018 - load the office certificate now: a wrong one stops the start, not a signature
    app = create_service_app(
        SERVICE, application, routers=[worklist.router, letters.router, bpjs.router, public.router], translate=to_contract,
        with_messaging=with_messaging,
        deadlines=(deadline_book(application), on_due_for(application)) if with_deadlines else None,
        description="Letters of the social office from the SOP catalogue: documents, verification, paraf "
        "chain, signature and number, PAdES seal, public QR verification, monthly BPJS batches.",
    )
    app.state.queues = LetterQueues(application)
    return app
