"""Fixtures of the referral tests (fixtures, not helper imports: test files are imported by path).

``office`` is the district SLRT office as the tests see it: complaints arriving from intake and
dtks, and the people (front office, manager, agencies...) acting through the HTTP API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from slrt_contracts import Actor, Channel, ComplaintRegistered, DTKSChecked, Region, Role
from slrt_contracts.events.intake import ComplaintIdentity
from slrt_referral.application import ReferralApplication
from slrt_referral.main import build
from slrt_runtime.consumers import Delivery
from slrt_runtime.settings import ServiceSettings

VILLAGE = Region(district="1605", subdistrict="160501", village="1605012003")
OTHER_VILLAGE = Region(district="1605", subdistrict="160502", village="1605022003")


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)  # Monday 09:00 WIB

    def __call__(self) -> dt.datetime:
        return self.now


class Office:
    def __init__(self, client: TestClient, app: ReferralApplication) -> None:
        self.client = client
        self.app = app
        self._notification = 0
        self._receipt = 0
        self.delivered: list[Delivery] = []

    def as_(self, role: str, region: str = "1605", agency: str | None = None) -> dict[str, str]:
        body: dict[str, Any] = {"sub": f"{agency or role}-{region}", "role": role, "region": region}
        if agency:
            body["agency"] = agency
        token = self.client.post("/auth/dev-token", json=body).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    def deliver(self, upstream: str, event: Any) -> None:
        self._notification += 1
        self.redeliver(Delivery(upstream, self._notification, event))

    def redeliver(self, delivery: Delivery) -> None:
        handler = self.app.on_complaint_registered if delivery.upstream == "intake" else self.app.on_complaint_checked
        handler(delivery)
        self.delivered.append(delivery)

    def complaint(self, *, region: Region = VILLAGE, field: str = "health", consent: bool = False,
                  name: str = "Warga Sintetis", dtks: str = "found") -> uuid.UUID:
        """A complaint registered at intake (with the person's identity) and checked against DTKS."""
        self._receipt += 1
        complaint_id, receipt = uuid.uuid4(), f"RK-1605-26-{self._receipt:06d}"
        nik = "1605014107800001"  # synthetic: 1605 01, born 01-07-80 (female: day + 40), serial 0001
        self.deliver("intake", ComplaintRegistered(
            district="1605", complaint_id=complaint_id, receipt_number=receipt,
            registered_at=dt.datetime.now(dt.timezone.utc), channel=Channel.FRONT_OFFICE,
            complaint_type="grievance", field=field, region=region, nik=nik,
            recorded_by=Actor(id="fo-1", role=Role.FRONT_OFFICE, region="1605"),
            identity=ComplaintIdentity(nik=nik, name=name, address="Dusun II, Desa Sintetis",
                                       consent_to_disclose=consent),
        ))
        self.deliver("dtks", DTKSChecked(
            district="1605", complaint_id=complaint_id, receipt_number=receipt,
            checked_at=dt.datetime.now(dt.timezone.utc), status=dtks, programmes=["PKH"] if dtks == "found" else [],
            field=field, complaint_type="grievance", region=region,
        ))
        return complaint_id

    # -- commands over HTTP (return the response, so tests can check refusals) ---------------
    def propose(self, complaint_id: uuid.UUID, programme: str, by: dict[str, str] | None = None,
                note: str | None = "Mohon ditindaklanjuti") -> Any:
        return self.client.post("/referrals", json={"complaint_id": str(complaint_id), "programme": programme,
                                                    "note": note}, headers=by or self.as_("back_office"))

    def post(self, referral_id: Any, action: str, who: dict[str, str], **body: Any) -> Any:
        return self.client.post(f"/referrals/{referral_id}/{action}", json=body or None, headers=who)

    def get(self, path: str, who: dict[str, str], **params: Any) -> Any:
        return self.client.get(path, headers=who, params=params)

    def sent(self, complaint_id: uuid.UUID, programme: str) -> str:
        """Proposed by the back office and approved by the manager: the referral's id."""
        r = self.propose(complaint_id, programme)
        assert r.status_code == 201, r.text
        approved = self.post(r.json()["referral_id"], "approve", self.as_("manager"))
        assert approved.status_code == 200, approved.text
        return r.json()["referral_id"]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def office(clock: Clock) -> Office:
    settings = ServiceSettings(persistence="memory", district="1605")
    app = ReferralApplication(settings, clock=clock)
    return Office(TestClient(build(settings, with_messaging=False, application=app)), app)
