"""The letters HTTP API, driven as staff would: dev tokens per role, one letter through its chain."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from slrt_letters.main import build
from slrt_runtime.settings import ServiceSettings

NIK = "1605014101900003"
YEAR = dt.datetime.now(dt.timezone.utc).year
SKTM = {"letter_type": "sktm", "nik": NIK, "citizen_name": "Siti Aminah",
        "purpose": "Berobat di RSUD Dr. Sobirin", "receipt_number": "RK-1605-26-000001",
        "complaint_id": str(uuid.uuid4())}


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(build(ServiceSettings(persistence="memory"), with_messaging=False)) as c:
        yield c


def as_role(client: TestClient, role: str, region: str = "1605") -> dict[str, str]:
    r = client.post("/auth/dev-token", json={"sub": f"{role}-{region}-01", "role": role, "region": region})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def request_sktm(client: TestClient, **overrides: object) -> dict:
    r = client.post("/letters", json={**SKTM, **overrides}, headers=as_role(client, "pengelola"))
    assert r.status_code == 201, r.text
    return r.json()


def paraf(client: TestClient, letter_id: str, role: str, region: str = "1605"):
    return client.post(f"/letters/{letter_id}/paraf", headers=as_role(client, role, region))


def sign(client: TestClient, letter_id: str, role: str = "kadin", region: str = "1605"):
    return client.post(f"/letters/{letter_id}/sign", headers=as_role(client, role, region))


def test_a_letter_goes_from_request_through_paraf_to_signature(client: TestClient) -> None:
    letter = request_sktm(client)
    assert letter["status"] == "awaiting_paraf"
    assert letter["next_step"] == "kasi"
    assert letter["title"] == "Surat Keterangan Tidak Mampu (SKTM)"
    assert letter["nik_masked"] == "1605********0003"
    assert letter["letter_number"] is None

    for role, next_step in (("kasi", "kabid"), ("kabid", "sekdin"), ("sekdin", "sign")):
        r = paraf(client, letter["letter_id"], role)
        assert r.status_code == 200, r.text
        assert r.json()["next_step"] == next_step

    r = sign(client, letter["letter_id"])
    assert r.status_code == 200, r.text
    assert r.json()["letter_number"] == f"460/0001/SLRT-1605/{YEAR}"

    r = client.get(f"/letters/{letter['letter_id']}", headers=as_role(client, "front_office"))
    assert r.status_code == 200
    seen = r.json()
    assert seen["status"] == "signed"
    assert seen["next_step"] is None
    assert [p["step"] for p in seen["paraf"]] == ["kasi", "kabid", "sekdin"]
    assert seen["signed_by"]["role"] == "kadin"
    assert seen["complaint_id"] == SKTM["complaint_id"]
    assert NIK not in r.text  # the full NIK is printed on paper, never shown on screen


def test_kabid_before_kasi_is_a_conflict(client: TestClient) -> None:
    letter = request_sktm(client)
    r = paraf(client, letter["letter_id"], "kabid")
    assert r.status_code == 409
    assert r.json() == {"detail": "paraf Kasi is needed before Kabid", "error": "InvalidTransition"}


def test_a_second_paraf_of_the_same_rank_is_a_conflict(client: TestClient) -> None:
    letter = request_sktm(client)
    assert paraf(client, letter["letter_id"], "kasi").status_code == 200
    r = paraf(client, letter["letter_id"], "kasi")
    assert r.status_code == 409
    assert r.json()["detail"] == "paraf Kasi was already given"


def test_signing_before_the_sekdin_paraf_is_a_conflict(client: TestClient) -> None:
    letter = request_sktm(client)
    for role in ("kasi", "kabid"):
        paraf(client, letter["letter_id"], role)
    r = sign(client, letter["letter_id"])
    assert r.status_code == 409
    assert r.json()["detail"] == "letter needs paraf of Sekdin before signing"


def test_a_signed_letter_cannot_be_signed_again(client: TestClient) -> None:
    letter = request_sktm(client)
    for role in ("kasi", "kabid", "sekdin"):
        paraf(client, letter["letter_id"], role)
    assert sign(client, letter["letter_id"]).status_code == 200
    r = sign(client, letter["letter_id"])
    assert r.status_code == 409
    assert "already signed" in r.json()["detail"]


@pytest.mark.parametrize(("path", "role"), [
    ("paraf", "pengelola"),  # drafts, does not initial
    ("paraf", "kadin"),  # signs, does not initial
    ("paraf", "admin"),  # passes the role gate, but a paraf is personal: the letter refuses
    ("sign", "sekdin"),
    ("sign", "kasi"),
])
def test_the_wrong_role_is_forbidden(client: TestClient, path: str, role: str) -> None:
    letter = request_sktm(client)
    r = client.post(f"/letters/{letter['letter_id']}/{path}", headers=as_role(client, role))
    assert r.status_code == 403, r.text


def test_officials_of_another_district_are_forbidden(client: TestClient) -> None:
    letter = request_sktm(client)
    assert paraf(client, letter["letter_id"], "kasi", region="1606").status_code == 403
    other = client.post("/letters", json=SKTM, headers=as_role(client, "pengelola", "1606"))
    assert other.status_code == 403


def test_who_may_request_and_read(client: TestClient) -> None:
    for role in ("pengelola", "front_office", "back_office"):
        assert client.post("/letters", json=SKTM, headers=as_role(client, role)).status_code == 201
    assert client.post("/letters", json=SKTM, headers=as_role(client, "kasi")).status_code == 403
    assert client.post("/letters", json=SKTM).status_code == 401
    letter = request_sktm(client)
    assert client.get(f"/letters/{letter['letter_id']}", headers=as_role(client, "agency")).status_code == 403
    assert client.get(f"/letters/{letter['letter_id']}", headers=as_role(client, "kabid")).status_code == 200


def test_bad_requests_are_unprocessable(client: TestClient) -> None:
    headers = as_role(client, "pengelola")
    r = client.post("/letters", json={**SKTM, "letter_type": "surat-cinta"}, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"] == "UnknownLetterType"
    assert "rekomendasi-pbi-daerah" in r.json()["detail"]
    assert client.post("/letters", json={**SKTM, "nik": "1605019901900003"}, headers=headers).status_code == 422
    assert client.post("/letters", json={**SKTM, "purpose": ""}, headers=headers).status_code == 422


def test_an_unknown_letter_is_not_found(client: TestClient) -> None:
    missing = uuid.uuid4()
    assert client.get(f"/letters/{missing}", headers=as_role(client, "kasi")).status_code == 404
    assert paraf(client, str(missing), "kasi").status_code == 404
    assert sign(client, str(missing)).status_code == 404
