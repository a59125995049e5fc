"""The desk's warning before registering twice: a person's open complaints, found by the NIK sent in
the body, through an index that keeps only a keyed hash of the NIK."""

from __future__ import annotations

from .conftest import NIK, OTHER_VILLAGE, VILLAGE

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
