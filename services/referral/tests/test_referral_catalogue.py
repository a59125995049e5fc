"""The programme catalogue: seeded once, maintained by the manager, validated."""

from __future__ import annotations

PROGRAMME = {
    "name": "Bedah rumah (home repair)", "agency": "dinperkim", "agency_name": "Dinas Perumahan",
    "level": "district", "field": "social", "answer_within": "2 weeks", "eligibility": "Rumah tidak layak huni",
    "needs_personal_data": True,
}


def test_seed_catalogue_covers_the_programmes_of_the_domain(office) -> None:
    programmes = office.get("/programmes", office.as_("front_office")).json()
    codes = {p["code"] for p in programmes}
    assert {"PKH", "BPNT", "PBI-JK", "PBI-Daerah", "KIP", "KIP-Kuliah", "JAMPERSAL", "ZAKAT", "CSR"} <= codes
    assert {p["level"] for p in programmes} == {"district", "province", "national", "non_government"}
    pbi = office.get("/programmes/PBI-JK", office.as_("agency", agency="bpjs-kesehatan")).json()
    assert pbi["answer_within"] == "3 months" and pbi["needs_personal_data"] is True
    only_health = office.get("/programmes", office.as_("manager"), field="health").json()
    assert only_health and all(p["field"] == "health" for p in only_health)
    # Seeding again (a restart) changes nothing.
    before = office.app.recorder.max_notification_id()
    assert office.app.seed_catalogue() is False
    assert office.app.recorder.max_notification_id() == before


def test_manager_adds_changes_and_withdraws_a_programme(office) -> None:
    manager = office.as_("manager")
    r = office.client.put("/programmes/BEDAH-RUMAH", json=PROGRAMME, headers=manager)
    assert r.status_code == 200 and r.json()["answer_within"] == "2 weeks"
    complaint = office.complaint(field="social")
    assert office.propose(complaint, "BEDAH-RUMAH").status_code == 201
    changed = office.client.put("/programmes/BEDAH-RUMAH", json={**PROGRAMME, "answer_within": "10 hari kerja",
                                                                  "active": False}, headers=manager)
    assert changed.json()["answer_within"] == "10 working days" and changed.json()["active"] is False
    r = office.propose(office.complaint(field="social"), "BEDAH-RUMAH")
    assert r.status_code == 422 and "withdrawn" in r.json()["detail"]


def test_catalogue_input_is_validated_and_only_the_manager_changes_it(office) -> None:
    manager = office.as_("manager")
    put = office.client.put
    assert put("/programmes/BEDAH-RUMAH", json=PROGRAMME, headers=office.as_("back_office")).status_code == 403
    assert put("/programmes/BEDAH-RUMAH", json=PROGRAMME, headers=office.as_("manager", region="1606")).status_code == 403
    bad_time = put("/programmes/BEDAH-RUMAH", json={**PROGRAMME, "answer_within": "soon"}, headers=manager)
    assert bad_time.status_code == 422 and "time standard" in bad_time.json()["detail"]
    assert put("/programmes/BEDAH-RUMAH", json={**PROGRAMME, "agency": "Dinas Perkim"}, headers=manager).status_code == 422
    assert put("/programmes/BEDAH-RUMAH", json={**PROGRAMME, "level": "village"}, headers=manager).status_code == 422
    unknown = put("/programmes/BEDAH-RUMAH", json={**PROGRAMME, "agency": "dinas-entah"}, headers=manager)
    assert unknown.status_code == 422 and unknown.json()["error"] == "UnknownAgency", unknown.text
    assert "not in the agency registry" in unknown.json()["detail"]
    assert put("/programmes/bad code", json=PROGRAMME, headers=manager).status_code in (404, 422)
    assert office.get("/programmes/NOPE", manager).status_code == 404
    assert office.client.get("/programmes").status_code == 401
