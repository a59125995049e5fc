"""Fixtures of the cross-service tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slrt_runtime.settings import ServiceSettings

BuildService = Callable[..., Any]


def build_service(service: str, settings: ServiceSettings, *, with_messaging: bool = True,
                  with_deadlines: bool = False) -> Any:
    """One of the five services in this process, as its own API tests build it (the DTKS registry
    empty; monitoring always with its messaging, which it needs for its read models)."""
    if service == "intake":
        from slrt_intake.main import build
        return build(settings, with_messaging=with_messaging)
    if service == "dtks":
        from slrt_dtks.main import build
        return build(settings, with_messaging=with_messaging, seed_people=0)
    if service == "referral":
        from slrt_referral.main import build
        return build(settings, with_messaging=with_messaging)
    if service == "letters":
        from slrt_letters.main import build
        return build(settings, with_messaging=with_messaging, with_deadlines=with_deadlines)
    from slrt_monitoring.main import build
    return build(settings)


@pytest.fixture(scope="session")
def service_app() -> BuildService:
    """``service_app(name, settings, with_messaging=..., with_deadlines=...)``: a service's FastAPI app."""
    return build_service
