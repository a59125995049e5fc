"""The referral pages' own rules, without the services: which steps a page offers, the form → API
body, the referral service's refusals in Indonesian, answer times in words, the agency's sign-in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from slrt_contracts import Role
from slrt_web.application.referrals import command, offered, proposal_body
from slrt_web.domain.people import SignedInUser
from slrt_web.domain.referral_words import within
from slrt_web.domain.refusals import Refusal, explain
from slrt_web.entrypoints.i18n import gettext
from slrt_web.main import build
from slrt_web.settings import WebSettings

NOBODY = "http://127.0.0.1:9"


def user(role: Role, agency: str | None = None) -> SignedInUser:
    return SignedInUser(sub="t", role=role, region="1605", token="x", agency=agency)


def test_each_role_is_offered_the_steps_the_referral_service_allows_it() -> None:
    manager, dinkes, back_office = user(Role.MANAGER), user(Role.AGENCY, "dinkes"), user(Role.BACK_OFFICE)
    proposal = {"status": "awaiting_approval", "agency": "dinkes"}
    assert offered(manager, proposal) == ["approve", "decline"]
    assert offered(dinkes, proposal) == [] and offered(back_office, proposal) == []
    sent = {"status": "sent", "agency": "dinkes"}
    assert offered(manager, sent) == ["revoke", "redirect"]
    assert offered(dinkes, sent) == ["accept", "reject", "review"]
    assert offered(user(Role.AGENCY, "dinsos"), sent) == [], "another agency answers nothing"
    assert offered(dinkes, {"status": "accepted", "agency": "dinkes"}) == ["outcome"]
    assert offered(manager, {"status": "rejected", "agency": "dinkes"}) == ["redirect"]
    assert offered(manager, {"status": "completed", "agency": "dinkes"}) == []


def test_the_forms_become_the_referral_services_bodies() -> None:
    assert proposal_body("c1", {"programme": "JAMKESDA", "note": "  "}) == {
        "complaint_id": "c1", "programme": "JAMKESDA", "note": None}
    assert command("approve", {}) == ("approve", None)
    assert command("decline", {"reason": " Tidak sesuai "}) == ("decline", {"reason": "Tidak sesuai"})
    assert command("reject", {"reason": "Sudah ditanggung"}) == (
        "answer", {"decision": "rejected", "reason": "Sudah ditanggung"})
    assert command("accept", {})[1]["decision"] == "approved"
    assert command("review", {})[1]["decision"] == "further_review"
    assert command("outcome", {"outcome": "provided", "note": ""}) == ("outcome", {"outcome": "provided", "note": None})
    assert command("redirect", {"programme": "PBI-JK", "reason": "Lebih tepat"})[1]["programme"] == "PBI-JK"
    with pytest.raises(KeyError):
        command("delete", {})


@pytest.mark.parametrize(("status", "detail", "expected"), [
    (403, "agencies see only the referrals sent to them", "Rujukan ini tidak ditujukan kepada instansi Anda."),
    (403, "this referral is addressed to dinkes, not dinsos", "tidak ditujukan kepada instansi Anda"),
    (403, "actor's role or region (puskesos, 1605012001) does not cover this referral", "di luar wilayah kerja"),
    (409, "referral was already answered: rejected", "sudah diputuskan atau dijawab"),
    (422, "declining a referral needs a reason", "Isi alasannya."),
    (409, "the complaint already has an open referral to JAMKESDA (sent)", "rujukan terbuka ke JAMKESDA"),
    (404, "complaint 1234 is not known to the referral service", "belum menerima pengaduan ini"),
    (409, "an outcome is reported after accepting the referral; it is sent", "Terima rujukan dahulu"),
    (403, "role back_office may not do this; needs one of: manager", "Peran Anda tidak boleh"),
])
def test_the_referral_services_refusals_are_told_in_plain_indonesian(status: int, detail: str, expected: str) -> None:
    assert expected in explain(Refusal(status, detail), gettext)


def test_answer_times_are_told_in_indonesian() -> None:
    assert within("5 working days", gettext) == "5 hari kerja"
    assert within("3 months", gettext) == "3 bulan"
    assert within("soon", gettext) == "soon"


def test_an_agency_officer_signs_in_with_an_agency_code() -> None:
    client = TestClient(build(WebSettings(intake_url=NOBODY, dtks_url=NOBODY, referral_url=NOBODY,
                                          letters_url=NOBODY, monitoring_url=NOBODY, api_timeout_seconds=2)))
    page = client.get("/sign-in").text
    assert 'value="agency"' in page
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post("/sign-in", data={"csrf_token": csrf, "role": "agency", "region": "1605", "agency": ""},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    assert "kode instansinya" in client.get("/sign-in").text
    assert user(Role.AGENCY, "dinkes").home == "/agency" and not user(Role.AGENCY, "dinkes").works_complaints


def test_an_agency_named_per_programme_is_shown_by_its_offices_name() -> None:
    from slrt_web.entrypoints.referrals import agency_names

    assert agency_names([
        {"agency": "dinsos", "agency_name": "Dinas Sosial - Bidang Perlindungan dan Jaminan Sosial"},
        {"agency": "dinsos", "agency_name": "Dinas Sosial - Seksi Perlindungan Sosial"},
        {"agency": "dinkes", "agency_name": "Dinas Kesehatan"},
    ]) == {"dinsos": "Dinas Sosial", "dinkes": "Dinas Kesehatan"}
