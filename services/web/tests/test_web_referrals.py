"""Referrals and agencies in a real browser (Debian's Chromium through Playwright) against the whole
platform started as processes: the back office proposes from a complaint's page, the manager approves
and declines, the agency answers from its inbox, another agency sees nothing, and the case's history
reads as an audit trail. Screenshots go to var/test-artifacts/web/ (the README's come from here)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from slrt_platform.platform import Platform
from slrt_web.testing import SHOTS, complaint_status, people_by_village, shot, sign_in, token, wait_for

pytestmark = pytest.mark.e2e


def _complaint_ready_for_referral(platform: Platform) -> tuple[dict[str, Any], dict[str, Any]]:
    """A complaint registered at the district desk (no consent to disclose), checked against DTKS
    and assessed: handled by the back office. Returns (complaint, person)."""
    village, people = list(people_by_village(platform).items())[1]
    person = people[-1]
    fo = token(platform, "front_office")
    made = httpx.post(f"{platform.url('intake')}/complaints", headers=fo, json={
        "complaint_type": "grievance", "field": "health", "description": "Biaya persalinan tidak ditanggung",
        "region": {"district": "1605", "subdistrict": village[:6], "village": village}, "nik": person["nik"],
        "identity": {"nik": person["nik"], "name": person["name"], "consent_to_disclose": False}})
    assert made.status_code == 201, made.text
    cid = made.json()["complaint_id"]
    wait_for(lambda: complaint_status(platform, fo, cid), lambda s: s == "awaiting_assessment", "the DTKS check")
    httpx.post(f"{platform.url('intake')}/complaints/{cid}/assess", headers=fo, json={}).raise_for_status()
    return made.json(), person


def _propose(page: Any, programme: str, note: str, screenshot: str | None = None) -> None:
    """Propose from the complaint's page; the referral service may not have learnt the complaint
    and its DTKS check yet (they come over NATS): then the page says so, and we try again."""
    url = page.url.split("#")[0]
    for _attempt in range(40):
        page.goto(url)
        page.wait_for_selector("#propose, [data-testid=referrals-problem]")
        if page.locator("[data-testid=referrals-problem]").count():
            assert "belum menerima" in page.inner_text("[data-testid=referrals-problem]")
            page.wait_for_timeout(500)
            continue
        page.select_option("#p-programme", programme)
        page.fill("#p-note", note)
        if screenshot:
            shot(page, screenshot)
        page.click("[data-testid=propose]")
        page.wait_for_selector(".banner")
        if page.locator(".banner.ok").count():
            return
        assert "belum menerima" in page.inner_text(".banner.error"), page.inner_text(".banner.error")
        page.wait_for_timeout(500)
    raise AssertionError("the referral service never learnt the complaint")


def _row(page: Any, referral_id: str) -> Any:
    return page.locator(f"tr[data-referral='{referral_id}']")


def test_referrals_proposed_approved_declined_answered_and_kept_from_another_agency(
        platform: Platform, tab: Any) -> None:
    complaint, person = _complaint_ready_for_referral(platform)
    cid, receipt = complaint["complaint_id"], complaint["receipt_number"]
    web, referral_api = platform.url("web"), platform.url("referral")

    # The back office proposes two referrals from the complaint's page (the consent status is shown).
    page = tab.new_page()
    sign_in(page, platform, "back_office", "1605", "Sari")
    page.goto(f"{web}/complaints/{cid}")
    assert "Persetujuan membuka identitas: tidak" in page.inner_text("[data-testid=consent-note]")
    _propose(page, "JAMKESDA", "Mohon keringanan biaya rawat inap", screenshot="referral-propose")
    assert "menunggu persetujuan" in page.inner_text(".banner.ok")
    _propose(page, "BANSOS-DAERAH", "Bantuan sosial daerah untuk keluarga ini")
    page.wait_for_selector("[data-testid=referral-rows] a")
    rows = page.inner_text("[data-testid=referral-rows]")
    assert rows.count("Menunggu persetujuan") == 2
    bo = token(platform, "back_office")
    mine = {r["programme"]: r["referral_id"] for r in
            httpx.get(f"{referral_api}/referrals/by-complaint/{cid}", headers=bo).json()}
    jamkesda, bansos = mine["JAMKESDA"], mine["BANSOS-DAERAH"]

    # The manager's approval inbox: counts, approve one, decline the other with a reason.
    manager = tab.new_page()
    sign_in(manager, platform, "manager", "1605", "Pak Manajer")
    manager.goto(f"{web}/referrals/approvals")
    assert "Menunggu persetujuan" in manager.inner_text("[data-testid=counts]")
    assert _row(manager, jamkesda).count() == 1 and _row(manager, bansos).count() == 1
    shot(manager, "manager-approvals")
    _row(manager, jamkesda).locator("[data-testid=approve]").click()
    manager.wait_for_selector(".banner.ok")
    assert "disetujui dan dikirim" in manager.inner_text(".banner.ok")
    _row(manager, bansos).locator("summary").click()
    _row(manager, bansos).locator("textarea[name=reason]").fill("Sudah menerima BPNT bulan ini")
    _row(manager, bansos).locator("[data-testid=decline]").click()
    manager.wait_for_selector(".banner.ok")
    assert _row(manager, jamkesda).count() == 0 and _row(manager, bansos).count() == 0
    manager.goto(f"{web}/referrals/{bansos}")
    assert manager.inner_text("[data-testid=referral-status]") == "Usulan ditolak"
    assert "Sudah menerima BPNT bulan ini" in manager.inner_text("[data-testid=audit-trail]")

    # A second referral to the same agency (Dinkes), arranged through the API: the programme needs the identity.
    mgr = token(platform, "manager")
    jampersal = httpx.post(f"{referral_api}/referrals", headers=bo, json={
        "complaint_id": cid, "programme": "JAMPERSAL", "note": "Persalinan bulan depan"}).json()["referral_id"]
    httpx.post(f"{referral_api}/referrals/{jampersal}/approve", headers=mgr).raise_for_status()

    # Dinkes's inbox: only its own referrals, with counts; it rejects one with a reason...
    agency = tab.new_page()
    sign_in(agency, platform, "agency", "1605", "Bu Dinkes", agency="dinkes")
    assert agency.url.endswith("/agency")
    assert _row(agency, jamkesda).count() == 1 and _row(agency, jampersal).count() == 1
    assert _row(agency, bansos).count() == 0  # declined: never sent
    assert "Terkirim, menunggu jawaban" in agency.inner_text("[data-testid=counts]")
    shot(agency, "agency-inbox")
    _row(agency, jamkesda).locator("a").click()
    # Without consent, and a programme that needs no identity: withheld, and the page says so.
    assert "dirahasiakan" in agency.inner_text("[data-testid=identity-withheld]")
    for secret in (person["nik"], person["name"]):
        assert secret not in agency.content()
    agency.fill("#reject-reason", "Sudah ditanggung JAMPERSAL")
    agency.click("[data-testid=reject]")
    agency.wait_for_selector(".banner.ok")
    assert agency.inner_text("[data-testid=referral-status]") == "Ditolak instansi"
    # ... and accepts the other, whose programme needs the identity, then reports the outcome.
    agency.goto(f"{web}/referrals/{jampersal}")
    assert person["name"] in agency.inner_text("[data-testid=personal-data]")
    agency.click("[data-testid=accept]")
    agency.wait_for_selector(".banner.ok")
    agency.select_option("#o-outcome", "provided")
    agency.fill("#o-note", "Persalinan ditanggung JAMPERSAL")
    agency.click("[data-testid=report-outcome]")
    agency.wait_for_selector(".banner.ok")
    assert agency.inner_text("[data-testid=referral-status]") == "Selesai"
    shot(agency, "referral-page")
    trail = agency.inner_text("[data-testid=audit-trail]")
    for step in ("Diusulkan", "Disetujui dan dikirim", "Dijawab instansi", "Hasil dilaporkan",
                 "instansi menjawab paling lambat"):
        assert step in trail, step

    # The secretariat (the manager) redirects the rejected referral to another programme: Dinsos's.
    # (The pages share the browser profile, so each person signs in again before acting.)
    sign_in(manager, platform, "manager", "1605", "Pak Manajer")
    manager.goto(f"{web}/referrals/{jamkesda}")
    manager.select_option("#redirect-programme", "PBI-Daerah")
    manager.fill("#redirect-reason", "Lebih tepat didaftarkan PBI daerah")
    manager.click("[data-testid=redirect]")
    manager.wait_for_selector(".banner.ok")
    assert manager.inner_text("[data-testid=referral-status]") == "Dicabut"
    manager.click("a[href^='/referrals/']:has-text('rujukan baru')")
    manager.wait_for_selector("[data-testid=referral-status]")
    assert manager.inner_text("[data-testid=referral-status]") == "Terkirim, menunggu jawaban"
    redirected = manager.url.rsplit("/", 1)[1]

    # An officer of another agency (Dinsos) has the redirected referral in its inbox, but opening
    # Dinkes's referral is refused in Indonesian, with nothing of it shown.
    other = tab.new_page()
    sign_in(other, platform, "agency", "1605", "Pak Dinsos", agency="dinsos")
    assert _row(other, redirected).count() == 1
    assert _row(other, jampersal).count() == 0
    response = other.goto(f"{web}/referrals/{jampersal}")
    assert response.status == 403
    assert "tidak ditujukan kepada instansi Anda" in other.inner_text("main")
    for secret in (receipt, person["nik"], person["name"], "Persalinan bulan depan", "JAMPERSAL"):
        assert secret not in other.content()

    # The case's history on the complaint's page: who did what, when, at which level, in words.
    # (The pages share the browser profile, so the back office signs in again.)
    sign_in(page, platform, "back_office", "1605", "Sari")

    def history() -> str:
        page.goto(f"{web}/complaints/{cid}")
        page.wait_for_selector("[data-testid=audit-trail]")
        return page.inner_text("[data-testid=audit-trail]")

    text = wait_for(history, lambda t: "hasil dilaporkan" in t, "intake noting the referral's outcome")
    for words in ("Dicatat", "Front office SLRT", "Cek DTKS", "Dikaji dan diteruskan", "Back office SLRT",
                  "Dinas Kesehatan: ditolak instansi"):
        assert words in text, words
    assert person["nik"] not in text and person["name"] not in text
    assert not any(code in text for code in ("dtks_checked", "assessed", "outcome_reported", "back_office:"))
    top, bottom = page.locator("#referrals").bounding_box(), page.locator("#history").bounding_box()
    page.screenshot(path=str(SHOTS / "case-history.png"), full_page=True, clip={
        "x": 0, "y": top["y"] - 10, "width": 1100, "height": bottom["y"] + bottom["height"] - top["y"] + 20})
