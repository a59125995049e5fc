"""The registry HTTP API: NIK in the body, programme check (agreement 4), households, fuzzy search,
DCI search, versions and their per-person differences; roles and regions on each."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from slrt_contracts import service_actor
from slrt_contracts.events.dtks import RegistryVersionActivated
from slrt_dtks.main import build
from slrt_dtks.entrypoints.messaging import to_contract
from slrt_dtks.adapters.registry import COLUMNS
from slrt_dtks.adapters.synthetic import generate
from slrt_runtime.auth import DevTokenAuthenticator
from slrt_runtime.settings import ServiceSettings

PEOPLE = list(generate("1605", 40, seed=7))  # what seed_people=40 loads
SETTINGS = ServiceSettings(persistence="memory", district="1605")


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(build(SETTINGS, with_messaging=False, seed_people=40)) as c:
        yield c


@pytest.fixture
def auth(client: TestClient) -> Callable[..., dict[str, str]]:
    def headers(role: str, region: str = "1605") -> dict[str, str]:
        r = client.post("/auth/dev-token", json={"sub": f"{role}-1", "role": role, "region": region})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}
    return headers


def service_headers() -> dict[str, str]:
    """How the letters service calls (agreement 4): a service token minted with the shared secret."""
    token = DevTokenAuthenticator(SETTINGS.auth_secret.get_secret_value(), SETTINGS.auth_issuer).issue(
        service_actor("letters", "1605"))
    return {"Authorization": f"Bearer {token}"}


def test_programme_check_is_agreement_4(client: TestClient) -> None:
    person = next(p for p in PEOPLE if "PBI-JK" in p["programmes"])
    r = client.post("/registry/programme-check", json={"nik": person["nik"]}, headers=service_headers())
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"found", "registry_version", "registry_id", "household_id", "welfare_decile", "programmes",
                         "pbi", "nik_consistency"}
    assert body["found"] is True and body["registry_id"] == person["registry_id"]
    assert body["household_id"] == person["household_id"] and body["welfare_decile"] == int(person["welfare_decile"])
    assert body["programmes"] == person["programmes"].split(",")
    assert body["pbi"] == {"pusat": True, "daerah": False}
    assert body["nik_consistency"] == {"consistent": True, "problems": []}
    assert r.headers["cache-control"] == "no-store"
    absent = client.post("/registry/programme-check", json={"nik": "1605034407990001"}, headers=service_headers()).json()
    assert absent["found"] is False and absent["programmes"] == [] and absent["registry_version"]
    r = client.post("/registry/programme-check", json={"nik": "16050312"}, headers=service_headers())
    assert r.status_code == 422 and "16 digits" in r.json()["detail"] and "16050312" not in r.text
    assert client.post("/registry/programme-check", json={"nik": person["nik"]}).status_code == 401


def test_lookup_by_nik_in_the_body_reports_consistency(client: TestClient, auth: Callable) -> None:
    person = PEOPLE[0]
    r = client.post("/registry/lookup", json={"nik": person["nik"], "birth_date": person["birth_date"],
                                              "sex": person["sex"]}, headers=auth("front_office"))
    assert r.status_code == 200
    body = r.json()
    assert body["found"] and body["person"]["name"] == person["name"] and body["nik_consistency"]["consistent"]
    typo = person["nik"][:10] + f"{(int(person['nik'][10:12]) + 1) % 100:02d}" + person["nik"][12:]
    body = client.post("/registry/lookup", json={"nik": typo, "birth_date": person["birth_date"]},
                       headers=auth("front_office")).json()
    assert body["found"] is False and not body["nik_consistency"]["consistent"]
    elsewhere = next(p["village_code"] for p in PEOPLE if p["village_code"] != person["village_code"])
    assert client.post("/registry/lookup", json={"nik": person["nik"]}, headers=auth("puskesos", elsewhere)).status_code == 403
    assert client.post("/registry/lookup", json={"nik": person["nik"]}, headers=auth("agency")).status_code == 403


def test_household_and_fuzzy_search(client: TestClient, auth: Callable) -> None:
    person = PEOPLE[2]
    r = client.post("/registry/household", json={"family_card": person["family_card"]}, headers=auth("back_office"))
    assert r.status_code == 200
    body = r.json()
    assert {m["registry_id"] for m in body["members"]} == {p["registry_id"] for p in PEOPLE
                                                           if p["household_id"] == person["household_id"]}
    assert body["pbi_double_registrations"] == 0
    assert client.post("/registry/household", json={"nik": person["nik"]}, headers=auth("back_office")).json() == body
    assert client.post("/registry/household", json={}, headers=auth("back_office")).status_code == 422
    typed = person["name"].upper().replace("I", "Y", 1)
    r = client.post("/registry/fuzzy-search", json={"name": typed, "birth_date": person["birth_date"], "limit": 3},
                    headers=auth("front_office"))
    assert r.status_code == 200
    assert person["registry_id"] in [c["person"]["registry_id"] for c in r.json()["candidates"]]
    assert client.post("/registry/fuzzy-search", json={"name": typed, "birth_date": "1980-02-30"},
                       headers=auth("front_office")).status_code == 422
    r = client.post("/registry/fuzzy-search", json={"name": typed, "birth_date": person["birth_date"],
                                                    "region": "1605999999"}, headers=auth("front_office"))
    assert r.status_code == 422 and "unknown village 1605999999" in r.json()["errors"][0]["message"]


def test_dci_search_by_identifier_and_attributes(client: TestClient, auth: Callable) -> None:
    person = PEOPLE[5]

    def search(query_type: str, query: object, page: int = 1, size: int = 5, role: str = "back_office",
               region: str = "1605") -> dict:
        body = {"header": {"sender_id": "test", "action": "search"},
                "message": {"transaction_id": "t-1", "search_request": [
                    {"reference_id": "r-1", "search_criteria": {
                        "query_type": query_type, "query": query,
                        "pagination": {"page_size": size, "page_number": page}}}]}}
        r = client.post("/dci/registry/sync/search", json=body, headers=auth(role, region))
        assert r.status_code == 200, r.text
        return r.json()

    answer = search("idtype-value", {"type": "NIK", "value": person["nik"]})
    assert answer["header"]["action"] == "on-search" and answer["message"]["transaction_id"] == "t-1"
    (response,) = answer["message"]["search_response"]
    assert response["status"] == "succ" and response["pagination"]["total_count"] == 1
    record = response["data"]["reg_records"][0]
    assert {"identifier_type": "DTKS_ID", "identifier_value": person["registry_id"]} in record["identifier"]
    village = person["village_code"]
    in_village = [p for p in PEOPLE if p["village_code"] == village]
    first = search("predicate", [{"attribute_name": "region_code", "operator": "eq", "attribute_value": village}], size=2)
    pages = first["message"]["search_response"][0]
    assert pages["pagination"]["total_count"] == len(in_village)
    assert [r["identifier"][2]["identifier_value"] for r in pages["data"]["reg_records"]] == \
        sorted(p["registry_id"] for p in in_village)[:2]
    pkh_and_kip = search("predicate", [{"attribute_name": "programme", "attribute_value": "PKH"},
                                       {"attribute_name": "programme", "attribute_value": "kip"}], size=50)
    records = pkh_and_kip["message"]["search_response"][0]["data"]["reg_records"]
    assert len(records) == sum(1 for p in PEOPLE if {"PKH", "KIP"} <= set(p["programmes"].split(",")))
    assert all({"PKH", "KIP"} <= set(r["programmes"]) for r in records)
    bad = search("idtype-value", {"type": "NIK", "value": "123"})["message"]["search_response"][0]
    assert bad["status"] == "rjct" and "16 digits" in bad["status_reason_message"]
    # Scoped: a village officer's search never returns people of other villages.
    other = search("predicate", [{"attribute_name": "welfare_decile", "operator": "le", "attribute_value": 10}],
                   size=100, role="puskesos", region=village)["message"]["search_response"][0]
    assert {r["address"]["admin_area_code"] for r in other["data"]["reg_records"]} == {village}
    assert client.post("/dci/registry/sync/search", json={"message": {}}, headers=auth("back_office")).status_code == 422


def test_import_versions_and_changes_over_http(client: TestClient, auth: Callable, tmp_path: Path) -> None:
    rows = [dict(p) for p in PEOPLE[:35]]
    rows[0]["address"] = "Jl. Pindah No. 9"
    path = tmp_path / "newer.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    r = client.post("/registry/imports", json={"path": str(path)}, headers=auth("dtks_operator"))
    assert r.status_code == 201, r.text
    report = r.json()
    assert (report["added"], report["removed"], report["changed"]) == (0, 5, 1)
    versions = client.get("/registry/versions", headers=auth("manager")).json()
    assert [v["status"] for v in versions] == ["active", "retired"] and versions[0]["removed"] == 5
    changes = client.get(f"/registry/versions/{report['version']}/changes", headers=auth("manager")).json()
    assert {c["change"] for c in changes} == {"removed", "changed"} and len(changes) == 6
    assert next(c for c in changes if c["change"] == "changed")["fields"] == ["address"]
    assert client.get(f"/registry/versions/{report['version']}/changes?change=removed",
                      headers=auth("manager")).json()[0]["change"] == "removed"
    assert client.get("/registry/versions/nope/changes", headers=auth("manager")).status_code == 404
    assert client.get("/registry/versions", headers=auth("front_office")).status_code == 403
    # Both versions are announced on the bus, as counts only.
    app = client.app.state.application
    events = [to_contract(app.mapper.to_domain_event(n)) for n in app.recorder.select_notifications(1, 100)]
    activated = [e for e in events if isinstance(e, RegistryVersionActivated)]
    assert [a.registry_version for a in activated] == [versions[1]["version"], versions[0]["version"]]
    assert (activated[1].removed, activated[1].changed, activated[1].rows) == (5, 1, 35)
    assert activated[1].subject() == "slrt.1605.dtks.registry.activated"
    assert all(p["nik"] not in activated[1].model_dump_json() for p in PEOPLE)
    assert app.announce_versions() == 0  # recorded once


def test_the_demo_sample_is_region_scoped(client: TestClient, auth: Callable) -> None:
    village = PEOPLE[3]["village_code"]
    sample = client.get("/registry/sample?limit=50", headers=auth("front_office", village)).json()
    assert sample and {p["village_code"] for p in sample} == {village}


def test_an_older_version_is_made_active_again_over_http(client: TestClient, auth: Callable, tmp_path: Path) -> None:
    seeded = client.get("/registry/status", headers=auth("manager")).json()["version"]
    path = tmp_path / "wrong.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(PEOPLE[:25])
    wrong = client.post("/registry/imports", json={"path": str(path)}, headers=auth("dtks_operator")).json()["version"]
    url = f"/registry/versions/{seeded}/activate"
    body = {"reason": "Ekstrak April kurang dua kecamatan"}
    assert client.post(url, json=body).status_code == 401
    for role, region in (("manager", "1605"), ("front_office", "1605"), ("dtks_operator", "1605032002")):
        assert client.post(url, json=body, headers=auth(role, region)).status_code == 403, role
    for reason in ("", "   ", "ok", "a" * 501, "baris\x00baru"):
        r = client.post(url, json={"reason": reason}, headers=auth("dtks_operator"))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason", reason
    r = client.post("/registry/versions/20990101-9-000000000000/activate", json=body, headers=auth("dtks_operator"))
    assert (r.status_code, r.json()["error"]) == (404, "VersionUnknown")
    r = client.post(f"/registry/versions/{wrong}/activate", json=body, headers=auth("dtks_operator"))
    assert r.status_code == 409 and "already the active one" in r.json()["detail"]

    key = {"Idempotency-Key": "rollback-april-1"}
    r = client.post(url, json=body, headers=auth("dtks_operator") | key)
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["version"], done["previous_version"], done["removed"], done["added"]) == (seeded, wrong, 0, 15)
    assert done["activated_by"] == {"id": "dtks_operator-1", "role": "dtks_operator", "region": "1605"}
    assert done["reason"] == body["reason"]
    again = client.post(url, json=body, headers=auth("dtks_operator") | key)  # a retry: the same answer
    assert again.status_code == 200 and again.json() == done and again.headers["idempotent-replayed"] == "true"
    assert client.post(url, json=body, headers=auth("dtks_operator")).status_code == 409  # without a key: active

    status = client.get("/registry/status", headers=auth("front_office")).json()
    assert (status["version"], status["rows"]) == (seeded, 40)
    versions = {v["version"]: v for v in client.get("/registry/versions", headers=auth("manager")).json()}
    assert (versions[seeded]["status"], versions[wrong]["status"], versions[wrong]["kept"]) == ("active", "retired", True)
    person = client.post("/registry/lookup", json={"nik": PEOPLE[30]["nik"]}, headers=auth("back_office")).json()
    assert person["found"] and person["registry_version"] == seeded
    history = client.get("/registry/activations", headers=auth("supervisor")).json()
    assert history == [done]
    assert client.get("/registry/activations", headers=auth("front_office")).status_code == 403
    activated = [e for e in _events(client) if isinstance(e, RegistryVersionActivated)]
    assert [(a.registry_version, a.previous_version) for a in activated][-1] == (seeded, wrong)


def _events(client: TestClient) -> list:
    app = client.app.state.application
    return [to_contract(app.mapper.to_domain_event(n)) for n in app.recorder.select_notifications(1, 100)]
