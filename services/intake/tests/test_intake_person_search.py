"""The desk's warning before registering twice: a person's open complaints, found by the NIK sent in
the body, through an index that keeps only a keyed hash of the NIK."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from slrt_intake.application import IntakeApplication
from slrt_intake.application.people import index_key
from slrt_intake.main import build
from slrt_runtime.ownlog import row_values
from slrt_runtime.production import StartRefused
from slrt_runtime.settings import DEV_AUTH_SECRET, ServiceSettings

from .conftest import NIK, OTHER_VILLAGE, VILLAGE, Clock, Intake

OTHER_NIK = "1605015502900002"  # synthetic: a woman born 15 February 1990


def search(intake, nik: str, role: str = "front_office", region: str = "1605"):  # noqa: ANN001, ANN201
    return intake.client.post("/complaints/search", json={"nik": nik}, headers=intake.token(role, region))


def test_open_complaints_of_a_person_in_scope_and_a_count_of_the_others(intake) -> None:  # noqa: ANN001
    first = intake.register()
    second = intake.client.post("/complaints", headers=intake.token(),
                                json=intake.body(region=OTHER_VILLAGE, description="PKH tidak cair bulan ini")).json()
    question = intake.register(complaint_type="question", description="Kapan PKH tahap berikut cair?")
    assert intake.command(question["complaint_id"], "answer", {"answer": "Bulan depan"}, "front_office").status_code == 200
    intake.register(nik=OTHER_NIK, description="Orang lain, pengaduan lain")

    r = search(intake, NIK)
    assert r.status_code == 200, r.text
    body = r.json()
    # The closed question is not open any more; the other person's complaint is not theirs.
    assert [i["receipt_number"] for i in body["items"]] == [first["receipt_number"], second["receipt_number"]]
    assert body["elsewhere"] == 0
    assert body["items"][0]["status"] == "registered" and body["items"][0]["village"] == VILLAGE["village"]

    # A Puskesos officer sees their village's complaint, and only a count of the one elsewhere.
    village = search(intake, NIK, "puskesos", VILLAGE["village"]).json()
    assert [i["complaint_id"] for i in village["items"]] == [first["complaint_id"]] and village["elsewhere"] == 1
    assert search(intake, "1605016001950003").json() == {"items": [], "elsewhere": 0}  # nobody


def test_the_index_keeps_no_nik_and_bad_input_is_refused_without_echo(intake) -> None:  # noqa: ANN001
    intake.register()
    assert len(search(intake, NIK).json()["items"]) == 1
    people = intake.client.app.state.people
    with people.db.transaction() as c:
        c.execute(f"SELECT * FROM {people.rows}")
        stored = [str(v) for row in c.fetchall() for v in row]
    assert stored and all(NIK not in v and NIK[6:] not in v for v in stored)
    bad = search(intake, "1605019907800001")  # birth day 99
    assert bad.status_code == 422 and "1605019907800001" not in bad.text
    token = intake.client.post("/auth/dev-token", json={"sub": "dinkes-1", "role": "agency", "region": "1605",
                                                        "agency": "dinkes"}).json()["access_token"]
    agency = intake.client.post("/complaints/search", json={"nik": NIK}, headers={"Authorization": f"Bearer {token}"})
    assert agency.status_code == 403  # agencies see referrals, never complaints
    assert intake.client.post("/complaints/search", json={"nik": NIK}).status_code == 401


# --- the index's key ---------------------------------------------------------------------------------

ISSUER = "https://login.example.go.id/realms/slrt-1605"


@pytest.mark.parametrize(("key", "problem"), [
    ("", "SLRT_PERSON_INDEX_KEY is not set"),
    ("change-me", "SLRT_PERSON_INDEX_KEY is the default published with SLRT"),
    (DEV_AUTH_SECRET, "SLRT_PERSON_INDEX_KEY is the default published with SLRT"),
    ("a" * 40, "SLRT_PERSON_INDEX_KEY must be at least 32 random-looking bytes"),
])
def test_production_mode_needs_a_strong_key_of_its_own(key: str, problem: str) -> None:
    """Under OpenID no token secret exists to derive the key from: without its own, the index would be
    keyed with a value published in this repository."""
    settings = ServiceSettings(persistence="memory", auth_dev_issuer=False, auth_issuer=ISSUER,
                               person_index_key=SecretStr(key))
    with pytest.raises(StartRefused, match=problem):
        build(settings, with_messaging=False)
    strong = settings.model_copy(update={"person_index_key": SecretStr(secrets.token_urlsafe(32))})
    assert build(strong, with_messaging=False).state.people.key != index_key(key or DEV_AUTH_SECRET)


def test_the_embedded_default_keeps_the_key_it_always_had() -> None:
    """An existing embedded deployment (no SLRT_PERSON_INDEX_KEY) keeps its index: same key, same tables."""
    app = build(ServiceSettings(persistence="memory"), with_messaging=False)
    assert app.state.people.key == index_key(DEV_AUTH_SECRET)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stored(request: pytest.FixtureRequest, tmp_path: Path) -> ServiceSettings:
    if request.param == "postgres":
        return request.getfixturevalue("postgres_settings").model_copy(update={"district": "1605"})
    return ServiceSettings(persistence="sqlite", data_dir=tmp_path, district="1605")


def test_a_new_key_drops_the_old_index_and_the_search_rebuilds_it_from_the_log(stored: ServiceSettings) -> None:
    def started(key: str) -> Intake:
        settings = stored.model_copy(update={"person_index_key": SecretStr(key)})
        clock = Clock()
        return Intake(TestClient(build(settings, with_messaging=False,
                                       application=IntakeApplication(settings, clock=clock))), clock)

    def hashes(intake: Intake) -> set[str]:
        people = intake.client.app.state.people
        with people.db.transaction() as c:
            c.execute(f"SELECT nik_key FROM {people.rows}")
            return {str(row_values(r)[0]) for r in c.fetchall()}

    before = started(secrets.token_urlsafe(32))
    registered = before.register()
    assert [i["complaint_id"] for i in search(before, NIK).json()["items"]] == [registered["complaint_id"]]
    old_tables, old_hashes = before.client.app.state.people.db.tables_starting("intake_person_"), hashes(before)
    assert len(old_tables) == 2 and len(old_hashes) == 1

    after = started(secrets.token_urlsafe(32))  # the district rotated the key
    people = after.client.app.state.people
    tables = people.db.tables_starting("intake_person_")
    assert len(tables) == 2 and not set(tables) & set(old_tables), "the old key's index is dropped"
    assert [i["complaint_id"] for i in search(after, NIK).json()["items"]] == [registered["complaint_id"]]
    assert hashes(after) and not hashes(after) & old_hashes
