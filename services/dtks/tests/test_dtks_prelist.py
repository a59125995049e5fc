"""Prelist and verivali: a proposal through review, recommendation, field verification, export and
the ministry's decision; duplicates refused; the complaint flow raising proposals itself."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from slrt_contracts import DTKSStatus
from slrt_contracts.events.dtks import PrelistProposed, PrelistRejected
from slrt_contracts.events.intake import ComplaintIdentity
from slrt_dtks.main import build
from slrt_dtks.entrypoints.messaging import to_contract
from slrt_dtks.application.prelist import BATCH_COLUMNS
from slrt_dtks.adapters.synthetic import generate
from slrt_runtime.consumers import Delivery
from slrt_runtime.settings import ServiceSettings

PEOPLE = list(generate("1605", 40, seed=7))  # what seed_people=40 loads
VILLAGE = "1605032002"
REGION = {"district": "1605", "subdistrict": "160503", "village": VILLAGE}
NEWCOMER = {"nik": "1605035203880007", "name": "Wati Anggraini", "sex": "F", "birth_date": "1988-03-12",
            "address": "Jl. Kebun Karet No. 4, RT 002/RW 001", "household_members": 3}


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def client(request: pytest.FixtureRequest, tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    if request.param == "postgres":  # events and registry in PostgreSQL (skipped when unreachable)
        settings = request.getfixturevalue("postgres_settings").model_copy(update={"district": "1605"})
    else:
        settings = ServiceSettings(persistence=request.param, district="1605", data_dir=tmp_path / "data")
    with TestClient(build(settings, with_messaging=False, seed_people=40)) as c:
        yield c
    c.app.state.application.registry.close()


@pytest.fixture
def auth(client: TestClient) -> Callable[..., dict[str, str]]:
    def headers(role: str, region: str = "1605") -> dict[str, str]:
        r = client.post("/auth/dev-token", json={"sub": f"{role}-1", "role": role, "region": region})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}
    return headers


def published(client: TestClient) -> list:
    app = client.app.state.application
    events = [to_contract(app.mapper.to_domain_event(n)) for n in app.recorder.select_notifications(1, 1000)]
    return [e for e in events if e is not None]


def propose(client: TestClient, headers: dict[str, str], profile: dict | None = None) -> str:
    r = client.post("/prelist/proposals", json={"region": REGION, "profile": profile or NEWCOMER}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["proposal_id"]


def test_a_proposal_goes_through_review_verification_export_and_decision(client: TestClient, auth: Callable) -> None:
    pid = propose(client, auth("puskesos", VILLAGE))
    base = f"/prelist/proposals/{pid}"
    # Out of order: the manager cannot recommend before the supervisor's review.
    r = client.post(f"{base}/recommendation", json={"approve": True}, headers=auth("manager"))
    assert r.status_code == 409 and "supervisor reviews first" in r.json()["detail"]
    assert client.post(f"{base}/review", json={"approve": True}, headers=auth("supervisor", "160503")).json()["status"] == "reviewed"
    assert client.post(f"{base}/recommendation", json={"approve": True}, headers=auth("manager")).json()["status"] == "recommended"
    r = client.post(f"{base}/verification", json={"result": "verified", "note": "rumah semi permanen"},
                    headers=auth("facilitator", VILLAGE))
    assert r.status_code == 200 and r.json()["status"] == "verified"
    waiting = client.get("/prelist/proposals?status=verified", headers=auth("dtks_operator")).json()
    assert [p["proposal_id"] for p in waiting] == [pid]
    assert client.get("/prelist/proposals?status=proposed", headers=auth("dtks_operator")).json() == []

    r = client.post("/prelist/batches", headers=auth("dtks_operator"))
    assert r.status_code == 201, r.text
    batch = r.json()
    assert batch["proposals"] == 1
    assert client.post("/prelist/batches", headers=auth("dtks_operator")).status_code == 404  # nothing left
    r = client.get(batch["file"], headers=auth("dtks_operator"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert tuple(rows[0]) == BATCH_COLUMNS and len(rows) == 1
    assert rows[0]["proposal_id"] == pid and rows[0]["nik"] == NEWCOMER["nik"] and rows[0]["village_code"] == VILLAGE
    assert rows[0]["verified_at"] and rows[0]["household_members"] == "3"

    decisions = f"proposal_id,decision,reason\n{pid},accepted,\n00000000-0000-0000-0000-000000000000,accepted,\n"
    r = client.post("/prelist/decisions", content=decisions, headers={**auth("dtks_operator"), "content-type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json()["applied"] == 1 and r.json()["problems"][0]["row"] == 3
    assert [p["proposal_id"] for p in client.get("/prelist/proposals?status=accepted", headers=auth("manager")).json()] == [pid]
    assert client.get("/prelist/proposals?status=refused", headers=auth("manager")).json() == []
    view = client.get(base, headers=auth("manager")).json()
    assert view["status"] == "accepted" and view["batch_id"] == batch["batch_id"]
    assert [h["step"] for h in view["history"]] == ["reviewed", "recommended", "verified", "exported", "decided"]

    names = [type(e).__name__ for e in published(client) if type(e).__name__.startswith("Prelist")]
    assert names == ["PrelistProposed", "PrelistReviewed", "PrelistRecommended", "PrelistVerified",
                     "PrelistExported", "PrelistDecided"]
    for event in published(client):
        body = event.model_dump_json()
        assert NEWCOMER["nik"] not in body and NEWCOMER["name"] not in body and "Kebun" not in body


def test_field_verification_can_reject_with_a_reason_and_the_person_can_be_proposed_again(
        client: TestClient, auth: Callable) -> None:
    pid = propose(client, auth("front_office"))
    base = f"/prelist/proposals/{pid}"
    client.post(f"{base}/review", json={"approve": True}, headers=auth("supervisor", "160503"))
    client.post(f"{base}/recommendation", json={"approve": True}, headers=auth("manager"))
    r = client.post(f"{base}/verification", json={"result": "rejected"}, headers=auth("facilitator", VILLAGE))
    assert r.status_code == 422  # a rejection needs a reason
    r = client.post(f"{base}/verification", json={"result": "rejected", "reason": "moved", "note": "pindah ke Jambi"},
                    headers=auth("facilitator", VILLAGE))
    assert r.json()["status"] == "rejected"
    assert client.get(base, headers=auth("manager")).json()["rejection"] == {
        "stage": "verification", "reason": "moved", "note": "pindah ke Jambi"}
    rejected = [e for e in published(client) if isinstance(e, PrelistRejected)]
    assert rejected[0].reason == "moved" and "Jambi" not in rejected[0].model_dump_json()
    assert client.post(f"{base}/verification", json={"result": "verified"}, headers=auth("facilitator", VILLAGE)).status_code == 409
    propose(client, auth("front_office"))  # a closed proposal does not block a new one


def test_a_duplicate_proposal_is_refused(client: TestClient, auth: Callable) -> None:
    first = propose(client, auth("front_office"))
    r = client.post("/prelist/proposals", json={"region": REGION, "profile": NEWCOMER}, headers=auth("puskesos", VILLAGE))
    assert r.status_code == 409 and first in r.json()["detail"]
    # Without a NIK: the same name (spelled otherwise), birth date and village is the same person.
    no_nik = {k: v for k, v in NEWCOMER.items() if k != "nik"} | {"name": "Ibu Wati Anggraini"}
    propose(client, auth("front_office"), no_nik)
    r = client.post("/prelist/proposals", json={"region": REGION, "profile": no_nik | {"name": "wati  anggraini"}},
                    headers=auth("front_office"))
    assert r.status_code == 409
    # Someone already in DTKS: by NIK, or by name + birth date under another NIK.
    inside = PEOPLE[0]
    in_dtks = {"nik": inside["nik"], "name": inside["name"], "sex": inside["sex"], "birth_date": inside["birth_date"],
               "address": inside["address"]}
    region = {"district": "1605", "subdistrict": inside["village_code"][:6], "village": inside["village_code"]}
    r = client.post("/prelist/proposals", json={"region": region, "profile": in_dtks}, headers=auth("front_office"))
    assert r.status_code == 409 and "in the DTKS registry already" in r.json()["detail"]
    r = client.post("/prelist/proposals", json={"region": region, "profile": in_dtks | {"nik": None}},
                    headers=auth("front_office"))
    assert r.status_code == 409 and inside["registry_id"] in r.json()["detail"]


def test_roles_and_regions_are_enforced(client: TestClient, auth: Callable) -> None:
    other_village = "1605082003"
    r = client.post("/prelist/proposals", json={"region": REGION, "profile": NEWCOMER}, headers=auth("puskesos", other_village))
    assert r.status_code == 403
    assert client.post("/prelist/proposals", json={"region": REGION, "profile": NEWCOMER}, headers=auth("agency")).status_code == 403
    pid = propose(client, auth("front_office"))
    base = f"/prelist/proposals/{pid}"
    assert client.post(f"{base}/review", json={"approve": True}, headers=auth("manager")).status_code == 403
    assert client.post(f"{base}/review", json={"approve": True}, headers=auth("supervisor", "160508")).status_code == 403
    assert client.get(base, headers=auth("puskesos", other_village)).status_code == 403
    assert client.get("/prelist/proposals", headers=auth("puskesos", other_village)).json() == []
    assert [p["proposal_id"] for p in client.get("/prelist/proposals", headers=auth("puskesos", VILLAGE)).json()] == [pid]
    assert client.post("/prelist/batches", headers=auth("front_office")).status_code == 403
    bad = NEWCOMER | {"nik": "1605031313770001"}
    assert client.post("/prelist/proposals", json={"region": REGION, "profile": bad}, headers=auth("front_office")).status_code == 422
    unknown = REGION | {"village": "1605039999"}  # right shape, but no such village in the reference data
    r = client.post("/prelist/proposals", json={"region": unknown, "profile": NEWCOMER}, headers=auth("front_office"))
    assert r.status_code == 422 and "unknown village 1605039999" in r.json()["errors"][0]["message"]


def test_a_complaint_about_someone_not_in_dtks_raises_a_proposal(client: TestClient, auth: Callable,
                                                                 make_complaint: Callable) -> None:
    app = client.app.state.application
    complaint = make_complaint(nik=NEWCOMER["nik"])
    complaint = complaint.model_copy(update={"identity": ComplaintIdentity(
        nik=NEWCOMER["nik"], name=NEWCOMER["name"], sex="F", birth_date=NEWCOMER["birth_date"],
        address=NEWCOMER["address"])})
    assert app.check_complaint(Delivery("intake", 1, complaint))
    check = app.get_check(complaint.complaint_id)
    assert check["status"] is DTKSStatus.NOT_FOUND and check["prelist_proposal_id"]
    checked = next(e for e in published(client) if type(e).__name__ == "DTKSChecked")
    assert checked.prelist_proposal_id == check["prelist_proposal_id"]
    proposed = next(e for e in published(client) if isinstance(e, PrelistProposed))
    assert proposed.source == "complaint" and proposed.complaint_id == complaint.complaint_id
    view = client.get(f"/prelist/proposals/{check['prelist_proposal_id']}", headers=auth("supervisor", "160503")).json()
    assert view["profile"]["name"] == NEWCOMER["name"] and view["status"] == "proposed"
    # A second complaint about the same person links to the open proposal instead of a second one.
    again = make_complaint(nik=NEWCOMER["nik"], receipt="RK-1605-25-000009")
    assert app.check_complaint(Delivery("intake", 2, again))
    assert app.get_check(again.complaint_id)["prelist_proposal_id"] == check["prelist_proposal_id"]
    assert sum(isinstance(e, PrelistProposed) for e in published(client)) == 1
    # Found and no-NIK complaints raise none.
    found = make_complaint(nik=PEOPLE[1]["nik"], receipt="RK-1605-25-000010")
    app.check_complaint(Delivery("intake", 3, found))
    assert app.get_check(found.complaint_id)["prelist_proposal_id"] is None
    assert json.loads(checked.model_dump_json()).get("nik") is None
