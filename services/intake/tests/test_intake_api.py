"""Intake through its HTTP API (in-memory event store)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from slrt_intake.main import build
from slrt_runtime.settings import ServiceSettings

VILLAGE = {"district": "1605", "subdistrict": "160501", "village": "1605012003"}


@pytest.fixture
def client() -> TestClient:
    return TestClient(build(ServiceSettings(persistence="memory", district="1605"), with_messaging=False))


def token(client: TestClient, role: str = "front_office", region: str = "1605") -> dict[str, str]:
    r = client.post("/auth/dev-token", json={"sub": f"{role}-1", "role": role, "region": region})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def complaint(**overrides: object) -> dict[str, object]:
    body = {"complaint_type": "grievance", "field": "health", "region": VILLAGE,
            "description": "Kartu KIS tidak aktif saat berobat", "nik": "1605014107800001"}
    body.update(overrides)
    return body


def test_front_office_registers_a_complaint_and_gets_a_receipt(client: TestClient) -> None:
    r = client.post("/complaints", json=complaint(), headers=token(client))
    assert r.status_code == 201, r.text
    receipt = r.json()["receipt_number"]
    assert receipt == "RK-1605-" + receipt.split("-")[2] + "-000001"
    view = client.get(f"/complaints/by-receipt/{receipt}", headers=token(client)).json()
    assert view["channel"] == "front_office"
    assert view["registered_by"]["role"] == "front_office"
    assert view["nik_masked"] == "1605********0001"  # staff views never show the whole NIK


def test_receipt_numbers_are_sequential_per_district(client: TestClient) -> None:
    numbers = [client.post("/complaints", json=complaint(nik=None), headers=token(client)).json()["receipt_number"]
               for _ in range(3)]
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]


@pytest.mark.parametrize("nik, reason", [
    ("1605019907800001", "birth day"),
    ("160501410780000", "16 digits"),
    ("9905014107800001", "district code"),
])
def test_invalid_nik_is_refused_with_a_clear_reason(client: TestClient, nik: str, reason: str) -> None:
    r = client.post("/complaints", json=complaint(nik=nik), headers=token(client))
    assert r.status_code == 422
    assert reason in r.text


def test_bad_enums_and_regions_get_422_not_500(client: TestClient) -> None:
    assert client.post("/complaints", json=complaint(field="transport"), headers=token(client)).status_code == 422
    bad_region = {**VILLAGE, "village": "1606012001"}
    assert client.post("/complaints", json=complaint(region=bad_region), headers=token(client)).status_code == 422
    other_district = {"district": "1606", "subdistrict": "160601", "village": "1606012001"}
    r = client.post("/complaints", json=complaint(region=other_district), headers=token(client, region="16"))
    assert r.status_code == 422 and "serves district 1605" in r.text


def test_an_unknown_village_is_refused_naming_it(client: TestClient) -> None:
    unknown = {"district": "1605", "subdistrict": "160599", "village": "1605999999"}
    for path, body in (("/complaints", complaint(region=unknown)),
                       ("/complaints/batch", {"complaints": [complaint(region=unknown)]})):
        r = client.post(path, json=body, headers=token(client))
        assert r.status_code == 422, r.text
        assert "unknown village 1605999999" in r.json()["errors"][0]["message"]
    r = client.get("/queues/back-office", params={"region": "160599"}, headers=token(client, "back_office"))
    assert r.status_code == 422 and "unknown sub-district 160599" in r.text
    assert client.get("/queues/back-office", params={"region": "160501"},
                      headers=token(client, "back_office")).status_code == 200


def test_authentication_and_roles(client: TestClient) -> None:
    assert client.post("/complaints", json=complaint()).status_code == 401
    assert client.post("/complaints", json=complaint(),
                       headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.post("/complaints", json=complaint(), headers=token(client, "kadin")).status_code == 403
    # A Puskesos officer registers only in their own village.
    other_village = token(client, "puskesos", region="1605012002")
    assert client.post("/complaints", json=complaint(), headers=other_village).status_code == 403
    own = client.post("/complaints", json=complaint(), headers=token(client, "puskesos", region="1605012003"))
    assert own.status_code == 201 and client.get(
        f"/complaints/{own.json()['complaint_id']}", headers=token(client)).json()["channel"] == "puskesos"


def test_unknown_complaint_is_404(client: TestClient) -> None:
    assert client.get("/complaints/by-receipt/RK-1605-26-999999", headers=token(client)).status_code == 404
