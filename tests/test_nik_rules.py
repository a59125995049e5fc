"""One NIK rule set: intake and letters give the same answer for the same NIK and what is said of
its holder (``slrt_contracts.nik``), case by case, and neither echoes the NIK it refuses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from slrt_runtime.settings import ServiceSettings

DISTRICT = "1605"
WOMAN = "1605034107800001"  # born 1 July 1980, day code 41 = 1 + 40: a woman
MAN = "1605030107800001"  # born 1 July 1980, a man

# (case, NIK, birth date given, sex given, accepted?, the rule's words in a refusal)
CASES = [
    ("woman, consistent", WOMAN, "1980-07-01", "F", True, None),
    ("man, consistent", MAN, "1980-07-01", "M", True, None),
    ("NIK only", WOMAN, None, None, True, None),
    ("female day code, sex M given", WOMAN, None, "M", False, "the sex given does not match NIK digits 7-8"),
    ("male day code, sex F given", MAN, "1980-07-01", "F", False, "the sex given does not match NIK digits 7-8"),
    ("another birth date", MAN, "1980-07-02", "M", False, "NIK digits 7-12 do not match the birth date"),
    ("another birth year", WOMAN, "1981-07-01", None, False, "NIK digits 7-12 do not match the birth date"),
    ("day code 35: no birth day", "1605033507800001", None, None, False, "NIK digits 7-12 are not a valid birth date"),
    ("13th month", "1605030113800001", None, None, False, "NIK digits 7-12 are not a valid birth date"),
    ("unknown district", "9905030107800001", None, None, False, "NIK digits 1-4 are not a known"),
    ("letters in it", "16050301078000AB", None, None, False, "NIK must contain digits only"),
]


def _settings(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(persistence="memory", district=DISTRICT, data_dir=tmp_path, nats_url="nats://127.0.0.1:1")


def _client(app: Any, role: str) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)
    r = client.post("/auth/dev-token", json={"sub": f"{role}-nik", "role": role, "region": DISTRICT})
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return client


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory, service_app: Any) -> Iterator[dict[str, TestClient]]:
    yield {name: _client(service_app(name, _settings(tmp_path_factory.mktemp(name)), with_messaging=False), role)
           for name, role in (("intake", "front_office"), ("letters", "pengelola"))}


def _ask(service: str, client: TestClient, nik: str, birth_date: str | None, sex: str | None) -> Any:
    given = {k: v for k, v in (("birth_date", birth_date), ("sex", sex)) if v is not None}
    if service == "intake":
        return client.post("/complaints", json={
            "complaint_type": "grievance", "field": "health", "description": "Kartu KIS tidak aktif",
            "region": {"district": DISTRICT, "subdistrict": "160503", "village": "1605032002"},
            "nik": nik, "identity": {"name": "Siti Sintetis", **given}})
    return client.post("/letters", json={
        "letter_type": "sktm", "nik": nik, "citizen_name": "Siti Sintetis", "birth_place": "Muara Beliti",
        "address": "Desa Sintetis", "purpose": "Keringanan biaya rumah sakit", **given})


@pytest.mark.parametrize(("case", "nik", "birth_date", "sex", "accepted", "words"), CASES, ids=[c[0] for c in CASES])
def test_intake_and_letters_answer_the_same(services: dict[str, TestClient], case: str, nik: str,
                                            birth_date: str | None, sex: str | None, accepted: bool,
                                            words: str | None) -> None:
    answers = {name: _ask(name, client, nik, birth_date, sex) for name, client in services.items()}
    for name, r in answers.items():
        if accepted:
            assert r.status_code == 201, (name, r.text)
            continue
        assert r.status_code == 422, (name, r.text)
        assert r.headers["content-type"] == "application/problem+json", name
        assert words in r.text, (name, r.text)
        assert nik not in r.text and "Siti" not in r.text, (name, "echoes the NIK or the name")


def test_identity_nik_is_checked_against_the_identity_too(services: dict[str, TestClient]) -> None:
    r = services["intake"].post("/complaints", json={
        "complaint_type": "grievance", "field": "health", "description": "Kartu KIS tidak aktif",
        "region": {"district": DISTRICT, "subdistrict": "160503", "village": "1605032002"},
        "identity": {"nik": WOMAN, "sex": "M"}})
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "nik_contradiction", r.text
    assert r.json()["errors"][0]["field"] == "identity"
