"""Letters in a real browser: an SKTM-based letter (the health-fee waiver recommendation, whose
checklist starts with the applicant's SKTM) is requested at the office, its SKTM scan uploaded and
checked, drafted, initialled by the Kasi, Kabid and Sekdin — each finding it in their own queue —
and signed by the Kadin; a Kabid trying before the Kasi is told why not; the signed PDF opens and
carries the configured Kadin's name and NIP. And the month's BPJS batch of KIS PBI-Daerah letters is
closed, its file downloaded and BPJS's answer recorded.

Shares the session's platform with the other journey files: the letter is found by its id.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from slrt_letters.domain import period_of
from slrt_platform.platform import Platform
from slrt_runtime.officials import load_officials
from slrt_web.testing import people_by_village, shot, sign_in, token

pytestmark = pytest.mark.e2e

LETTER_TYPE = "rec-health-fee-waiver"
SCAN = b"\x89PNG\r\n\x1a\n" + bytes(64)  # the store accepts PDF, JPEG and PNG by their first bytes


def applicant(platform: Platform) -> dict[str, Any]:
    """Someone in the DTKS who is not in both PBI schemes (that would fail the letter's check)."""
    for people in people_by_village(platform).values():
        for person in people:
            if not {"PBI-JK", "PBI-Daerah"} <= set(person.get("programmes") or ()):
                return person
    raise AssertionError("no suitable person in the synthetic registry")


def open_from_queue(page: Any, platform: Platform, letter_id: str, screenshot: str | None = None) -> None:
    page.goto(f"{platform.url('web')}/letters/queue")
    row = page.locator(f"tr[data-letter='{letter_id}']")
    assert row.count() == 1, page.inner_text("[data-testid=letters]")
    assert "lewat waktu" not in row.inner_text()  # just arrived: within its time standard
    if screenshot:
        shot(page, screenshot)
    row.locator("a").first.click()
    page.wait_for_selector("[data-testid=letter-status]")


def test_an_sktm_letter_goes_through_paraf_kasi_kabid_sekdin_and_the_kadin_signs(platform: Platform, tab: Any) -> None:
    person = applicant(platform)
    web = platform.url("web")
    page = tab.new_page()
    sign_in(page, platform, "pengelola", "1605", "Dian")
    assert page.url.endswith("/letters")
    page.click("[data-testid=new-letter]")
    page.click(f"[data-code={LETTER_TYPE}]")
    page.fill("#l-nik", person["nik"])
    page.fill("#l-citizen_name", person["name"])
    page.fill("#l-birth_place", "Muara Beliti")
    page.fill("#l-address", "Dusun II")
    page.fill("#l-region", person["village_code"])
    page.fill("#l-purpose", "Keringanan biaya rawat inap")
    page.fill("#l-destination", "RSUD Dr. Sobirin")
    page.check("input[name=documents][value=kk]")
    page.check("input[name=documents][value=ktp]")
    shot(page, "letters-request")
    page.click("#letter-request button[type=submit]")
    page.wait_for_selector("[data-testid=letter-status]")
    letter_url = page.url
    letter_id = letter_url.rsplit("/", 1)[1]
    assert page.inner_text("[data-testid=letter-status]") == "diajukan"  # the SKTM is still missing

    # The SKTM's scan: uploading it marks it presented; then the checks (DTKS, double PBI, SKTM).
    page.set_input_files("#scan-sktm", files=[{"name": "sktm.png", "mimeType": "image/png", "buffer": SCAN}])
    page.click("[data-testid=upload-sktm]")
    page.wait_for_selector("[data-testid=scan-sktm]")
    page.click("[data-testid=do-verify]")
    page.wait_for_selector(".banner.ok[data-testid=validation]")
    assert "Pemeriksaan lolos" in page.inner_text("[data-testid=validation]")
    shot(page, "letters-checklist")
    page.click("[data-testid=do-draft]")
    page.wait_for_selector("[data-testid=letter-status]")
    assert page.inner_text("[data-testid=letter-status]") == "menunggu paraf"

    # A Kabid before the Kasi: the letters service refuses, the page says why in Indonesian.
    sign_in(page, platform, "kabid", "1605", "Ahmad")
    page.goto(letter_url)
    page.click("[data-testid=do-paraf]")
    page.wait_for_selector(".banner.error")
    assert "Paraf Kasi harus diberikan lebih dulu, sebelum paraf Kabid" in page.inner_text(".banner.error")
    shot(page, "letters-refused-kabid")

    for role, name in (("kasi", "Sri"), ("kabid", "Ahmad"), ("sekdin", "Ratna")):
        sign_in(page, platform, role, "1605", name)
        assert page.url.endswith("/letters/queue")  # a signer's home is their queue
        open_from_queue(page, platform, letter_id, screenshot=f"letters-queue-{role}")
        page.click("[data-testid=do-paraf]")
        page.wait_for_selector(".banner.ok")
        assert "Paraf Anda diberikan" in page.inner_text(".banner.ok")
        row = page.locator(f"tr[data-letter='{letter_id}']")
        if role == "sekdin":  # this letter type lets the Sekdin sign too: it stays, now for the signature
            assert "menunggu tanda tangan" in row.inner_text()
        else:
            assert row.count() == 0  # gone from this official's queue

    sign_in(page, platform, "kadin", "1605", "Budi")
    open_from_queue(page, platform, letter_id, screenshot="letters-queue-kadin")
    page.click("[data-testid=do-sign]")
    page.goto(letter_url)
    page.wait_for_selector("[data-testid=letter-number]")
    assert page.inner_text("[data-testid=letter-status]") == "terbit"
    kadin = load_officials(None, "1605").of("kadin")
    assert kadin.name in page.inner_text("[data-testid=signer]")  # the configured Kadin, not a placeholder
    shot(page, "letters-signed")

    # The PDF preview, through this application with the Kadin's session.
    pdf = page.request.get(web + page.get_attribute("[data-testid=letter-pdf]", "href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.body())).pages).split())
    assert kadin.name in text and kadin.nip in text and "(Nama" not in text


def issued_by_api(platform: Platform, letter_type: str, person: dict[str, Any]) -> str:
    """A letter brought to issuance through the letters API (this journey is about what comes after)."""
    letters = platform.url("letters")
    kinds = {t["code"]: t for t in httpx.get(f"{letters}/letters/types", headers=token(platform, "pengelola")).json()}
    body = {"letter_type": letter_type, "nik": person["nik"], "citizen_name": person["name"],
            "birth_place": "Muara Beliti", "address": "Dusun I", "region": person["village_code"],
            "purpose": "Pendaftaran peserta KIS PBI-Daerah",
            "documents_presented": [d["code"] for d in kinds[letter_type]["documents"]]}
    r = httpx.post(f"{letters}/letters", json=body, headers=token(platform, "pengelola"))
    assert r.status_code == 201, r.text
    letter_id = r.json()["letter_id"]
    for step, role in (("draft", "pengelola"), *(("paraf", s) for s in kinds[letter_type]["paraf_chain"]),
                       ("sign", "kadin")):
        r = httpx.post(f"{letters}/letters/{letter_id}/{step}", headers=token(platform, role), timeout=30)
        assert r.status_code == 200, r.text
    return letter_id


def test_the_monthly_bpjs_batch_is_closed_sent_and_reconciled(platform: Platform, tab: Any) -> None:
    person = next(p for people in people_by_village(platform).values() for p in people
                  if not {"PBI-JK", "PBI-Daerah"} & set(p.get("programmes") or ()))
    letter_id = issued_by_api(platform, "rec-kis-pbid-enrolment", person)
    period = period_of(dt.datetime.now(dt.timezone.utc))
    page = tab.new_page()
    sign_in(page, platform, "pengelola", "1605", "Dian")
    page.goto(f"{platform.url('web')}/letters/bpjs?period={period}")
    assert page.locator(f"a[href='/letters/{letter_id}']").count() == 1
    page.click("[data-testid=close-batch]")
    page.wait_for_selector(".banner.ok")
    sent = page.request.get(f"{platform.url('web')}/letters/bpjs/{period}/file.csv")
    assert sent.status == 200 and letter_id in sent.text()  # the row BPJS answers by its reference
    page.set_input_files("#reconciliation", files=[{
        "name": "rekonsiliasi.csv", "mimeType": "text/csv",
        "buffer": f"reference,result,reason\n{letter_id},accepted,\n".encode()}])
    page.click("[data-testid=reconcile]")
    page.wait_for_selector(".banner.ok")
    row = page.locator("tr", has=page.locator(f"a[href='/letters/{letter_id}']"))
    assert "diterima" in row.inner_text()
    shot(page, "letters-bpjs")
