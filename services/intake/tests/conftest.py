"""Fixtures of the intake tests: the service in memory with a clock the test moves, staff tokens,
and a way to hand it other services' events as its consumers would."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from slrt_contracts import ContractEvent, DTKSChecked, DTKSStatus
from slrt_intake.application import IntakeApplication
from slrt_intake.main import build
from slrt_runtime.consumers import Delivery
from slrt_runtime.settings import ServiceSettings

DISTRICT = "1605"
VILLAGE = {"district": "1605", "subdistrict": "160501", "village": "1605012003"}
OTHER_VILLAGE = {"district": "1605", "subdistrict": "160502", "village": "1605022001"}
NIK = "1605014107800001"  # synthetic: district 1605, a woman born 1 July 1980


class Clock:
    def __init__(self) -> None:
        # A Tuesday morning in WIB, far from holidays: working days are easy to count.
        self.now = dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


class Intake:
    """The intake service as staff and the other services see it."""

    def __init__(self, client: TestClient, clock: Clock) -> None:
        self.client, self.clock = client, clock
        self.app: IntakeApplication = client.app.state.application  # type: ignore[attr-defined]
        self.book = client.app.state.deadline_book  # type: ignore[attr-defined]
        self._notification_ids = itertools.count(1)

    # -- staff --------------------------------------------------------------------------------
    def token(self, role: str = "front_office", region: str = DISTRICT) -> dict[str, str]:
        r = self.client.post("/auth/dev-token", json={"sub": f"{role}-{region}", "role": role, "region": region})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def register(self, role: str = "front_office", region: str = DISTRICT, **body: Any) -> dict[str, Any]:
        r = self.client.post("/complaints", json=complaint(**body), headers=self.token(role, region))
        assert r.status_code == 201, r.text
        return r.json()

    def get(self, complaint_id: str, role: str = "front_office", region: str = DISTRICT) -> dict[str, Any]:
        r = self.client.get(f"/complaints/{complaint_id}", headers=self.token(role, region))
        assert r.status_code == 200, r.text
        return r.json()

    def command(self, complaint_id: str, name: str, body: dict[str, Any], role: str, region: str = DISTRICT):  # noqa: ANN201
        return self.client.post(f"/complaints/{complaint_id}/{name}", json=body, headers=self.token(role, region))

    @staticmethod
    def body(**overrides: Any) -> dict[str, Any]:
        return complaint(**overrides)

    # -- other services' events, as the consumers hand them over ----------------------------------
    def deliver(self, event: ContractEvent, handler: str, upstream: str = "other") -> bool:
        delivery = Delivery(upstream=upstream, notification_id=next(self._notification_ids), event=event)
        return getattr(self.app, handler)(delivery)

    def dtks_checked(self, complaint_id: str, status: DTKSStatus) -> None:
        view = self.app.load(uuid.UUID(complaint_id))
        self.deliver(DTKSChecked(
            district=DISTRICT, complaint_id=view.id, receipt_number=view.receipt_number, checked_at=self.clock(),
            status=status, field=view.field, complaint_type=view.complaint_type, region=view.region,
            programmes=["PBI-JK"] if status is DTKSStatus.FOUND else []), "on_dtks_checked", upstream="dtks")

    def fire_deadlines(self) -> list[Any]:
        """Run the deadline watcher's round now; returns the missed time standards it handled
        (queued notices are delivered in the same round and left out)."""
        return [d for d in self.book.fire_due(self.clock(), self.app.on_due) if d.action != "notify"]


def complaint(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"complaint_type": "grievance", "field": "health", "region": VILLAGE,
                            "description": "Kartu KIS tidak aktif saat berobat", "nik": NIK}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def intake(clock: Clock) -> Iterator[Intake]:
    settings = ServiceSettings(persistence="memory", district=DISTRICT)
    app = build(settings, with_messaging=False, application=IntakeApplication(settings, clock=clock))
    # No lifespan: the deadline watcher would fire on the wall clock; tests fire deadlines themselves.
    yield Intake(TestClient(app), clock)

