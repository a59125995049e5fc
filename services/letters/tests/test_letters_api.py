"""The letters HTTP API, driven as staff would: dev tokens per role, letters through their chain,
and the public verification page a QR code opens."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from slrt_letters.adapters.dtks import FakeDtks
from slrt_letters.domain import period_of
from slrt_letters.main import build
from slrt_letters.testing import NIK, person
from slrt_runtime.settings import ServiceSettings

COMPLAINT = str(uuid.uuid4())


@pytest.fixture
def client(tmp_path: Path, dtks: FakeDtks) -> Iterator[TestClient]:
    settings = ServiceSettings(persistence="memory", data_dir=tmp_path)
    with TestClient(build(settings, with_messaging=False, dtks=dtks, with_deadlines=False)) as c:
        yield c


def as_role(client: TestClient, role: str, region: str = "1605") -> dict[str, str]:
    r = client.post("/auth/dev-token", json={"sub": f"{role}-{region}-01", "role": role, "region": region})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def body(letter_type: str = "sktm", **overrides: object) -> dict:
    return {"letter_type": letter_type, **person(), "complaint_id": COMPLAINT,
            "receipt_number": "RK-1605-26-000001", **overrides}


def request(client: TestClient, letter_type: str = "sktm", **overrides: object) -> dict:
    r = client.post("/letters", json=body(letter_type, **overrides), headers=as_role(client, "pengelola"))
    assert r.status_code == 201, r.text
    return r.json()


def post(client: TestClient, letter_id: str, step: str, role: str, region: str = "1605", **kwargs):
    return client.post(f"/letters/{letter_id}/{step}", headers=as_role(client, role, region), **kwargs)


def issued(client: TestClient, letter_type: str = "sktm", **overrides: object) -> dict:
    letter = request(client, letter_type, **overrides)
    assert post(client, letter["letter_id"], "draft", "pengelola").status_code == 200
    for role in letter["paraf_chain"]:
        assert post(client, letter["letter_id"], "paraf", role).status_code == 200
    r = post(client, letter["letter_id"], "sign", "kadin")
    assert r.status_code == 200, r.text
    return r.json()


def test_a_letter_goes_from_request_through_paraf_to_an_issued_signed_pdf(client: TestClient) -> None:
    letter = request(client)
    assert (letter["status"], letter["nik_masked"]) == ("documents_complete", "1605********0003")
    assert post(client, letter["letter_id"], "paraf", "kasi").status_code == 409  # not drafted yet
    r = post(client, letter["letter_id"], "draft", "pengelola")
    assert r.status_code == 200 and r.json()["next_step"] == "kasi", r.text
    for role, next_step in (("kasi", "kabid"), ("kabid", "sekdin"), ("sekdin", "sign")):
        r = post(client, letter["letter_id"], "paraf", role)
        assert r.status_code == 200 and r.json()["next_step"] == next_step, r.text
    r = post(client, letter["letter_id"], "sign", "kadin")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "issued" and r.json()["letter_number"].startswith("427.42/0001/Dinsos/")
    seen = client.get(f"/letters/{letter['letter_id']}", headers=as_role(client, "front_office"))
    assert seen.status_code == 200 and NIK not in seen.text  # the full NIK is on paper, never on screen
    pdf = client.get(f"/letters/{letter['letter_id']}/pdf", headers=as_role(client, "kabid"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_kabid_before_kasi_is_a_conflict_and_wrong_roles_are_forbidden(client: TestClient) -> None:
    letter = request(client)
    post(client, letter["letter_id"], "draft", "pengelola")
    r = post(client, letter["letter_id"], "paraf", "kabid")
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json() == {"type": "about:blank", "title": "Conflict", "status": 409,
                        "detail": "paraf Kasi is needed before Kabid", "error": "InvalidTransition"}
    for step, role in (("paraf", "pengelola"), ("paraf", "kadin"), ("paraf", "admin"), ("sign", "kasi"),
                       ("sign", "sekdin"), ("draft", "kasi")):
        assert post(client, letter["letter_id"], step, role).status_code == 403, (step, role)


def test_officials_of_another_district_or_village_are_forbidden(client: TestClient) -> None:
    letter = request(client)
    assert post(client, letter["letter_id"], "draft", "pengelola", region="1606").status_code == 403
    assert client.get(f"/letters/{letter['letter_id']}", headers=as_role(client, "kasi", "1605022002")).status_code == 403
    other = client.post("/letters", json=body(), headers=as_role(client, "pengelola", "1606"))
    assert other.status_code == 403
    assert client.post("/letters", json=body(), headers=as_role(client, "kasi")).status_code == 403
    assert client.post("/letters", json=body()).status_code == 401


def test_incomplete_documents_are_named_and_scans_are_checked(client: TestClient) -> None:
    letter = request(client, "rec-health-fee-waiver", documents_presented=["sktm"])
    r = post(client, letter["letter_id"], "draft", "pengelola")
    assert r.status_code == 409 and "Fotokopi KTP" in r.json()["detail"], r.text
    r = post(client, letter["letter_id"], "documents/kk/scan", "pengelola",
             files={"file": ("kk.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")})
    assert r.status_code == 200 and r.json()["missing_documents"] == ["ktp"], r.text
    r = post(client, letter["letter_id"], "documents/ktp/scan", "pengelola",
             files={"file": ("ktp.exe", b"MZ\x90\x00", "image/png")})
    assert r.status_code == 422 and "PDF, JPEG and PNG" in r.json()["detail"]
    r = post(client, letter["letter_id"], "documents", "pengelola", json={"presented": {"ktp": True}})
    assert r.status_code == 200 and r.json()["missing_documents"] == []
    assert post(client, letter["letter_id"], "draft", "pengelola").status_code == 200


def test_post_is_idempotent_with_a_request_id(client: TestClient) -> None:
    headers = as_role(client, "pengelola")
    first = client.post("/letters", json=body(request_id="desk1-000042"), headers=headers)
    again = client.post("/letters", json=body(request_id="desk1-000042"), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["letter_id"] == again.json()["letter_id"]
    other = client.post("/letters", json=body(request_id="desk1-000042", purpose="Lain lagi"), headers=headers)
    assert other.status_code == 409


def test_bad_requests_are_unprocessable(client: TestClient) -> None:
    headers = as_role(client, "pengelola")
    r = client.post("/letters", json=body("surat-cinta"), headers=headers)
    assert r.status_code == 422 and "rec-kis-pbid-enrolment" in r.json()["detail"]
    assert client.post("/letters", json=body(nik="1605019901900003"), headers=headers).status_code == 422
    assert client.post("/letters", json=body(purpose=""), headers=headers).status_code == 422
    assert client.post("/letters", json=body(documents_presented=["passport"]), headers=headers).status_code == 422
    r = client.post("/letters", json=body(region="1605999999"), headers=headers)
    assert r.status_code == 422 and "unknown village 1605999999" in r.json()["errors"][0]["message"]
    missing = uuid.uuid4()
    assert client.get(f"/letters/{missing}", headers=as_role(client, "kasi")).status_code == 404
    assert post(client, str(missing), "sign", "kadin").status_code == 404


def test_a_signed_pdf_verifies_and_one_changed_byte_does_not(client: TestClient) -> None:
    letter = issued(client)
    pdf = client.get(f"/letters/{letter['letter_id']}/pdf", headers=as_role(client, "kadin")).content
    r = client.post("/public/verify", files={"file": ("surat.pdf", pdf, "application/pdf")})
    assert r.status_code == 200, r.text
    assert r.json()["authentic"] is True and r.json()["status"] == "valid"
    assert r.json()["letter_number"] == letter["letter_number"]
    for position in (len(pdf) // 2, len(pdf) - 200):
        tampered = bytearray(pdf)
        tampered[position] ^= 0x01
        r = client.post("/public/verify", files={"file": ("surat.pdf", bytes(tampered), "application/pdf")},
                        data={"letter_id": letter["letter_id"]})
        assert r.status_code == 200, r.text
        assert r.json()["authentic"] is False and r.json()["hash_matches"] is False
    r = client.post("/public/verify", files={"file": ("x.txt", b"hello", "text/plain")})
    assert r.status_code == 422


def test_the_public_page_shows_valid_revoked_or_unknown_and_a_masked_name_only(client: TestClient) -> None:
    letter = issued(client)
    page = client.get(f"/public/verify/{letter['letter_id']}")
    assert page.status_code == 200
    assert page.json()["status"] == "valid" and page.json()["holder"] == "S*** A*****"
    assert NIK not in page.text and "Siti" not in page.text
    assert post(client, letter["letter_id"], "revoke", "kadin", json={"reason": "Data pemohon keliru"}).status_code == 200
    page = client.get(f"/public/verify/{letter['letter_id']}")
    assert page.json()["status"] == "revoked"
    html = client.get(f"/public/verify/{letter['letter_id']}", headers={"accept": "text/html"})
    assert "DICABUT" in html.text
    assert client.get(f"/public/verify/{uuid.uuid4()}").json()["status"] == "unknown"
    assert client.get("/public/verify/not-a-letter").json()["status"] == "unknown"
    draft = request(client)  # a letter in progress is unknown to the public
    assert client.get(f"/public/verify/{draft['letter_id']}").json()["status"] == "unknown"


def test_the_monthly_bpjs_batch_over_http(client: TestClient) -> None:
    letter = issued(client, "rec-kis-pbid-enrolment", documents_presented=["sktm", "kk", "ktp"])
    assert "3 bulan" in letter["applicant_notice"]
    period = period_of(dt.datetime.fromisoformat(letter["issued_at"]))
    assert client.post(f"/bpjs/batches/{period}/close", headers=as_role(client, "kasi", "1606")).status_code == 403
    assert client.post(f"/bpjs/batches/{period}/close", headers=as_role(client, "front_office")).status_code == 403
    assert client.get(f"/bpjs/batches/{period}/file.csv", headers=as_role(client, "kasi")).status_code == 404
    r = client.post(f"/bpjs/batches/{period}/close", headers=as_role(client, "kasi"))
    assert r.status_code == 200 and r.json()["counts"]["enrolment"] == 1, r.text
    assert client.post(f"/bpjs/batches/{period}/close", headers=as_role(client, "kasi")).status_code == 409
    csv_file = client.get(f"/bpjs/batches/{period}/file.csv", headers=as_role(client, "pengelola"))
    assert csv_file.status_code == 200 and letter["letter_id"] in csv_file.text
    assert client.get(f"/bpjs/batches/{period}/file.xlsx", headers=as_role(client, "kabid")).content[:2] == b"PK"
    assert client.get(f"/bpjs/batches/{period}/file.pdf", headers=as_role(client, "kabid")).status_code == 422
    rekon = f"reference,result,reason\r\n{letter['letter_id']},diterima,\r\n".encode()
    r = client.post(f"/bpjs/batches/{period}/reconciliation", headers=as_role(client, "kabid"),
                    files={"file": ("rekon.csv", rekon, "text/csv")})
    assert r.status_code == 200, r.text
    seen = client.get(f"/letters/{letter['letter_id']}", headers=as_role(client, "pengelola")).json()
    assert seen["bpjs"]["decision"] == "accepted"
    assert client.get("/bpjs/batches/2026-13", headers=as_role(client, "kasi")).status_code == 422
