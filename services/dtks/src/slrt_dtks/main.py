"""Assemble the DTKS service: event store, registry table, complaint consumer, outbox relay, HTTP API."""

from __future__ import annotations

import io
import logging
import os

from fastapi import FastAPI
from slrt_runtime.http import create_service_app
from slrt_runtime.settings import ServiceSettings

from .entrypoints.api.registry import checks_router, registry_router
from .entrypoints.api.dci import router as dci_router
from .entrypoints.api.prelist import router as prelist_router
from .entrypoints.api.uploads import router as uploads_router
from .entrypoints.api.versions import router as versions_router
from .application import DTKSApplication
from .application.uploads import ImportJobs
from .entrypoints.messaging import consumers, to_contract
from .adapters.registry import ImportReport, RegistryStore
from .adapters.synthetic import generate, write_csv

SERVICE = "dtks"
SEED_ENV = "SLRT_DTKS_SEED_PEOPLE"
SEED = 7

log = logging.getLogger(__name__)


def seed_if_empty(registry: RegistryStore, district: str, people: int) -> ImportReport | None:
    """Give a fresh embedded install a synthetic registry to check against; never touches a
    registry that already holds an extract (real or synthetic)."""
    if people <= 0 or not registry.is_empty():
        return None
    buffer = io.StringIO()
    try:
        write_csv(generate(district, people, SEED), buffer)
    except ValueError as e:  # a district code NIKs cannot carry: run without a registry
        log.error("not seeding the DTKS registry: %s", e)
        return None
    buffer.seek(0)
    report = registry.load_stream(buffer, source=f"synthetic-{district}-{people}-seed{SEED}")
    log.info("seeded the DTKS registry with %d synthetic people (version %s)", report.rows_loaded, report.version)
    return report


def build(settings: ServiceSettings | None = None, *, with_messaging: bool = True,
          seed_people: int | None = None) -> FastAPI:
    settings = settings or ServiceSettings()
    application = DTKSApplication(settings)
    if seed_people is None:
        seed_people = int(os.environ.get(SEED_ENV, "0") or 0)
    seed_if_empty(application.registry, settings.district, seed_people)
    application.announce_versions()  # a version switched just before a crash still gets its event
    app = create_service_app(
        SERVICE, application,
        routers=[uploads_router, registry_router, versions_router, checks_router, prelist_router, dci_router],
        translate=to_contract,
        consumers=consumers(application, settings),
        with_messaging=with_messaging,
        description="DTKS (Data Terpadu Kesejahteraan Sosial): registry versions, lookups (NIK, family card, fuzzy name), "
                    "programme checks, DTKS checks of complaints, prelist and field verification (verivali), DCI search.",
    )
    # Uploaded extracts wait here for their import (then are deleted), beside the service's data.
    app.state.imports = ImportJobs(application, settings.data_dir / "dtks-uploads")
    return app
