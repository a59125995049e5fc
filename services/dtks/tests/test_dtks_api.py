"""The DTKS HTTP API with an in-memory store (no NATS)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from slrt_dtks.main import build
from slrt_dtks.adapters.synthetic import generate
from slrt_runtime.consumers import Delivery
from slrt_runtime.settings import ServiceSettings

PEOPLE = list(generate("1605", 40, seed=7))  # what seed_people=40 loads


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = build(ServiceSettings(persistence="memory", district="1605"), with_messaging=False, seed_people=40)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def auth(client: TestClient) -> Callable[..., dict[str, str]]:
    def headers(role: str, region: str = "1605") -> dict[str, str]:
        r = client.post("/auth/dev-token", json={"sub": f"{role}-1", "role": role, "region": region})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}
    return headers


def test_lookup_returns_the_person_with_programmes(client: TestClient, auth: Callable) -> None:
    person = PEOPLE[0]
    r = client.get(f"/registry/people/{person['nik']}", headers=auth("front_office"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == person["name"] and body["household_id"] == person["household_id"]
    assert body["programmes"] == person["programmes"].split(",")
    assert body["registry_version"]
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("role", ["back_office", "puskesos", "facilitator", "supervisor", "manager",
                                  "dtks_operator", "pengelola", "admin"])
def test_lookup_roles(client: TestClient, auth: Callable, role: str) -> None:
    person = PEOPLE[0]
    region = person["village_code"] if role in ("puskesos", "facilitator") else "1605"
    assert client.get(f"/registry/people/{person['nik']}", headers=auth(role, region)).status_code == 200


def test_lookup_refusals(client: TestClient, auth: Callable) -> None:
    nik = PEOPLE[0]["nik"]
    assert client.get(f"/registry/people/{nik}").status_code == 401
    assert client.get(f"/registry/people/{nik}", headers=auth("agency")).status_code == 403
    assert client.get(f"/registry/people/{nik}", headers=auth("kadin")).status_code == 403
    elsewhere = next(p for p in PEOPLE if p["village_code"] != PEOPLE[0]["village_code"])["village_code"]
    r = client.get(f"/registry/people/{nik}", headers=auth("puskesos", elsewhere))
    assert r.status_code == 403 and "outside your region" in r.json()["detail"]


def test_invalid_nik_is_422_with_the_reason(client: TestClient, auth: Callable) -> None:
    r = client.get("/registry/people/12345", headers=auth("front_office"))
    assert r.status_code == 422
    assert r.json()["detail"] == "invalid NIK: NIK must be exactly 16 digits"
    r = client.get("/registry/people/1605031313770001", headers=auth("front_office"))
    assert r.status_code == 422 and "birth date" in r.json()["detail"]
    assert "1605031313770001" not in r.text


def test_unknown_nik_is_404(client: TestClient, auth: Callable) -> None:
    r = client.get("/registry/people/1605034407990001", headers=auth("front_office"))
    assert r.status_code == 404 and "not in the loaded DTKS registry" in r.json()["detail"]


def test_sample(client: TestClient, auth: Callable) -> None:
    r = client.get("/registry/sample?limit=3", headers=auth("front_office"))
    assert r.status_code == 200
    assert [p["nik"] for p in r.json()] == [p["nik"] for p in PEOPLE[:3]]
    assert len(client.get("/registry/sample", headers=auth("dtks_operator")).json()) == 5
    assert client.get("/registry/sample", headers=auth("back_office")).status_code == 403
    assert client.get("/registry/sample?limit=500", headers=auth("admin")).status_code == 422


def test_import_and_status(client: TestClient, auth: Callable, extract_csv: Path, tmp_path: Path) -> None:
    before = client.get("/registry/status", headers=auth("manager")).json()
    assert before["rows"] == 40 and before["source"] == "synthetic-1605-40-seed7"
    operator = auth("dtks_operator")
    assert client.post("/registry/imports", json={"path": str(extract_csv)}, headers=auth("front_office")).status_code == 403
    r = client.post("/registry/imports", json={"path": str(extract_csv)}, headers=operator)
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["rows_loaded"] == 300 and report["rows_rejected"] == 0 and report["source"] == "extract.csv"
    after = client.get("/registry/status", headers=auth("manager")).json()
    assert after["rows"] == 300 and after["version"] == report["version"] != before["version"]

    bad = tmp_path / "bad.csv"
    bad.write_text("registry_id,nik\nx,1\n", encoding="utf-8")
    r = client.post("/registry/imports", json={"path": str(bad)}, headers=operator)
    assert r.status_code == 422 and "lacks column" in r.json()["detail"]
    r = client.post("/registry/imports", json={"path": str(tmp_path / "none.csv")}, headers=operator)
    assert r.status_code == 422 and "no such file" in r.json()["detail"]
    r = client.post("/registry/imports", json={"path": "/etc/passwd"}, headers=operator)
    assert r.status_code == 422 and ".csv" in r.json()["detail"]
    assert client.get("/registry/status", headers=auth("manager")).json()["version"] == report["version"]


def test_check_of_a_complaint(client: TestClient, auth: Callable, make_complaint: Callable) -> None:
    complaint = make_complaint(nik=PEOPLE[0]["nik"])
    url = f"/checks/{complaint.complaint_id}"
    assert client.get(url, headers=auth("back_office")).status_code == 404
    client.app.state.application.check_complaint(Delivery("intake", 1, complaint))
    r = client.get(url, headers=auth("back_office"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "found" and body["receipt_number"] == complaint.receipt_number
    assert body["programmes"] == PEOPLE[0]["programmes"].split(",")
    assert "nik" not in body
    assert client.get(url, headers=auth("puskesos", complaint.region.village)).status_code == 200
    assert client.get(url, headers=auth("puskesos", "1605102003")).status_code == 403
    assert client.get(url, headers=auth("manager", "1671")).status_code == 403


def test_empty_registry_without_seed() -> None:
    app = build(ServiceSettings(persistence="memory"), with_messaging=False, seed_people=0)
    assert app.state.application.registry.is_empty()
    unknown = build(ServiceSettings(persistence="memory", district="9999"), with_messaging=False, seed_people=5)
    assert unknown.state.application.registry.is_empty()  # no valid NIKs possible: logged, not fatal


def test_seed_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SLRT_DTKS_SEED_PEOPLE", "12")
    settings = ServiceSettings(data_dir=tmp_path)
    app = build(settings, with_messaging=False)
    assert app.state.application.registry.status().rows == 12
    # A restart finds the registry filled and leaves it alone.
    version = app.state.application.registry.current_version()
    monkeypatch.setenv("SLRT_DTKS_SEED_PEOPLE", "99")
    assert build(settings, with_messaging=False).state.application.registry.current_version() == version
