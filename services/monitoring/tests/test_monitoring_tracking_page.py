"""The receipt's QR code opens the tracking page in a browser: HTML by content negotiation, the
JSON unchanged for API clients, no personal data in either."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from slrt_contracts import Actor, ComplaintRegistered, DTKSChecked, Region, Role
from slrt_monitoring.main import build
from slrt_runtime.consumers import Delivery
from slrt_runtime.settings import ServiceSettings

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
NIK = "1605014107800001"
REGION = Region(district="1605", subdistrict="160501", village="1605012003")
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    client = TestClient(build(ServiceSettings(district="1605", data_dir=tmp_path), with_messaging=False))
    cid = uuid.uuid4()
    view = client.app.state.view
    view.apply(Delivery("intake", 1, ComplaintRegistered(
        district="1605", complaint_id=cid, receipt_number="RK-1605-26-000001", registered_at=NOW,
        channel="front_office", complaint_type="grievance", field="health", region=REGION, nik=NIK,
        recorded_by=Actor(id="fo-1", role=Role.FRONT_OFFICE, region="1605"),
        identity={"nik": NIK, "name": "Siti Aminah"})), "intake:1")
    view.apply(Delivery("dtks", 1, DTKSChecked(
        district="1605", complaint_id=cid, receipt_number="RK-1605-26-000001", checked_at=NOW + dt.timedelta(minutes=1),
        status="found", programmes=["PKH"], field="health", complaint_type="grievance", region=REGION)), "dtks:1")
    return client


def test_a_browser_gets_the_page_with_the_timeline_and_what_happens_next(client: TestClient) -> None:
    r = client.get("/public/track/RK-1605-26-000001", headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Pengaduan RK-1605-26-000001" in r.text
    assert "Pemeriksaan DTKS: terdaftar" in r.text and "Selanjutnya:" in r.text
    assert '<form method="get" action="/public/track">' in r.text
    assert NIK not in r.text and "Siti" not in r.text and "fo-1" not in r.text
    assert r.headers["vary"] == "Accept"


def test_api_clients_keep_the_json(client: TestClient) -> None:
    for accept in ("application/json", "*/*", None):
        headers = {"Accept": accept} if accept else {}
        r = client.get("/public/track/RK-1605-26-000001", headers=headers)
        assert r.headers["content-type"] == "application/json", accept
        assert r.json()["status"] == "dtks_checked"


def test_an_unknown_receipt_is_a_page_with_the_form_again(client: TestClient) -> None:
    r = client.get("/public/track/RK-1605-26-999999", headers={"Accept": BROWSER})
    assert r.status_code == 404 and "tidak ditemukan" in r.text and 'name="receipt"' in r.text
    assert client.get("/public/track/RK-1605-26-999999").json()["detail"].startswith("Nomor resi")


def test_the_form_leads_to_the_page_of_the_typed_receipt(client: TestClient) -> None:
    r = client.get("/public/track", params={"receipt": " rk-1605-26-000001 "}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/public/track/RK-1605-26-000001"
    assert "Nomor resi" in client.get("/public/track").text
