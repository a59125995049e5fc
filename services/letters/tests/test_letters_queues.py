"""Letter lists and signers' queues: each official finds exactly the letters waiting for them in
their region, oldest first, with the due time of the step; the read model is rebuilt from the log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from slrt_contracts import Role
from slrt_letters.adapters.dtks import FakeDtks
from slrt_letters.adapters.signing import LetterSigner
from slrt_letters.application import LettersApplication
from slrt_letters.application.queues import LetterQueues
from slrt_letters.testing import KABID, KADIN, KASI, PENGELOLA, SEKDIN, person, staff
from slrt_runtime.settings import ServiceSettings

from slrt_letters.main import build


@pytest.fixture
def client(tmp_path: Path, dtks: FakeDtks):
    with TestClient(build(ServiceSettings(persistence="memory", data_dir=tmp_path), with_messaging=False, dtks=dtks,
                          with_deadlines=False)) as c:
        yield c


def as_role(client: TestClient, role: str, region: str = "1605") -> dict[str, str]:
    r = client.post("/auth/dev-token", json={"sub": f"{role}-{region}-01", "role": role, "region": region})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}

OTHER_DISTRICT_KASI = staff(Role.KASI, "1606")


def drafted(app: LettersApplication, letter_type: str = "sktm", **fields: object):
    kind = app.catalogue[letter_type]
    letter_id, _ = app.request_letter(actor=PENGELOLA, letter_type=letter_type, fields=person(**fields),
                                      documents_presented=[d.code for d in kind.documents])
    app.draft(letter_id, PENGELOLA)
    return letter_id


def ids(page: dict) -> list[str]:
    return [item["letter_id"] for item in page["items"]]


def walk_the_chain(app: LettersApplication) -> None:
    queues = LetterQueues(app)
    first, second = drafted(app), drafted(app)
    waiting, _ = app.request_letter(actor=PENGELOLA, letter_type="sktm", fields=person())  # not drafted
    kasi = queues.queue(KASI)
    assert ids(kasi) == [str(first), str(second)] and kasi["total"] == 2  # oldest first
    item = kasi["items"][0]
    assert item["step"] == "paraf" and item["waiting_for"] == "kasi" and item["overdue"] is False
    assert item["due_at"] > item["step_since"] and item["citizen_name"] and "*" in item["nik_masked"]
    assert queues.list(KASI, status="awaiting_paraf")["total"] == 2  # a Kasi asking the list gets theirs
    assert queues.queue(KABID)["total"] == 0 and queues.queue(OTHER_DISTRICT_KASI)["total"] == 0
    app.initial(first, KASI)
    assert ids(queues.queue(KASI)) == [str(second)] and ids(queues.queue(KABID)) == [str(first)]
    app.initial(first, KABID)
    app.initial(first, SEKDIN)
    assert ids(queues.queue(KADIN)) == [str(first)]
    assert queues.queue(SEKDIN)["total"] == 0  # an SKTM is signed by the Kadin only
    app.sign(first, KADIN)
    assert queues.queue(KADIN)["total"] == 0
    everything = queues.list(PENGELOLA)
    assert everything["counts"] == {"issued": 1, "awaiting_paraf": 1, "documents_complete": 1}
    assert str(waiting) in ids(queues.list(PENGELOLA, status="documents_complete"))
    # Rebuilt from the event log: a new projection over the same store reads the same rows.
    again = LetterQueues(app)
    again.catch_up()
    assert ids(again.list(PENGELOLA)) == ids(everything)


def test_the_chain_in_memory(app: LettersApplication) -> None:
    walk_the_chain(app)


def test_the_chain_on_sqlite(sqlite_app: LettersApplication) -> None:
    walk_the_chain(sqlite_app)


@pytest.mark.postgres
def test_the_chain_on_postgres(postgres_settings: ServiceSettings, signer: LetterSigner, dtks: FakeDtks) -> None:
    walk_the_chain(LettersApplication(postgres_settings, dtks=dtks, signer=signer))


def test_the_sekdin_finds_a_letter_to_sign_where_the_catalogue_lets_them(app: LettersApplication) -> None:
    queues = LetterQueues(app)
    letter = drafted(app, "kis-pbid-deactivation")
    for official in (KASI, KABID, SEKDIN):
        app.initial(letter, official)
    assert ids(queues.queue(SEKDIN)) == ids(queues.queue(KADIN)) == [str(letter)]
    assert queues.queue(SEKDIN)["items"][0]["signers"] == ["kadin", "sekdin"]


def test_a_dropped_table_is_rebuilt_from_the_log(sqlite_app: LettersApplication) -> None:
    queues = LetterQueues(sqlite_app)
    letter = drafted(sqlite_app)
    assert ids(queues.queue(KASI)) == [str(letter)]
    with queues.db.transaction() as c:
        c.execute(f"DROP TABLE {queues.rows}")
        c.execute(f"DELETE FROM {queues.position_table}")
    assert ids(LetterQueues(sqlite_app).queue(KASI)) == [str(letter)]


def test_a_step_past_its_time_standard_is_overdue(app: LettersApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    queues = LetterQueues(app)
    letter = drafted(app)
    due = queues.queue(KASI)["items"][0]["due_at"]
    later = due + dt.timedelta(minutes=1)
    monkeypatch.setattr("slrt_letters.application.queues.utc_now", lambda: later)
    page = queues.queue(KASI)
    assert page["items"][0]["overdue"] is True and page["overdue"] == 1
    assert queues.queue(KASI, overdue=False)["total"] == 0 and ids(queues.queue(KASI, overdue=True)) == [str(letter)]


def test_a_return_starts_the_drafting_clock_again(app: LettersApplication) -> None:
    queues = LetterQueues(app)
    letter = drafted(app)
    app.initial(letter, KASI)
    app.return_for_revision(letter, KABID, "Alamat belum lengkap")
    row = queues.list(PENGELOLA, status="returned")["items"][0]
    assert row["step"] == "drafting" and row["waiting_for"] is None
    app.draft(letter, PENGELOLA)
    assert ids(queues.queue(KASI)) == [str(letter)]  # up the chain again, from the Kasi


def test_the_api_answers_a_kasi_with_the_kasi_letters(client: TestClient) -> None:
    officer = as_role(client, "pengelola")
    made = []
    for _ in range(2):
        r = client.post("/letters", json={"letter_type": "sktm", **person()}, headers=officer)
        assert r.status_code == 201, r.text
        made.append(r.json()["letter_id"])
        assert client.post(f"/letters/{made[-1]}/draft", headers=officer).status_code == 200
    assert client.post(f"/letters/{made[0]}/paraf", headers=as_role(client, "kasi")).status_code == 200
    r = client.get("/letters", params={"status": "awaiting_paraf"}, headers=as_role(client, "kasi"))
    assert r.status_code == 200, r.text
    assert ids(r.json()) == [made[1]]
    r = client.get("/letters/queue", headers=as_role(client, "kabid"))
    assert r.status_code == 200 and ids(r.json()) == [made[0]], r.text
    assert client.get("/letters/queue", headers=as_role(client, "pengelola")).status_code == 403
    assert client.get("/letters", params={"region": "1606"}, headers=as_role(client, "kasi")).status_code == 403
    assert client.get("/letters", params={"status": "nonsense"}, headers=officer).status_code == 422
    listed = client.get("/letters", headers=officer).json()
    assert listed["counts"] == {"awaiting_paraf": 2} and listed["total"] == 2
    assert client.get("/letters/queue", headers=as_role(client, "kasi", "1606")).json()["total"] == 0
