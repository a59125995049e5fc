"""The application for people in a real browser (Debian's Chromium through Playwright), against the
whole platform started as processes exactly as ``./slrt up`` does: one test per journey.

Screenshots of the main screens are kept in var/test-artifacts/web/ (the README's come from here).
The fixtures (one platform for every journey file of the session, Chromium, a fresh profile per test)
are in conftest.py; the steps journeys share are in ``slrt_web.testing``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from slrt_platform.platform import Platform
from slrt_web.testing import complaint_status, people_by_village, register_at_desk, shot, sign_in, token, wait_for

pytestmark = pytest.mark.e2e


def test_desk_registers_a_complaint_with_a_dtks_lookup_and_prints_the_receipt(platform: Platform, tab: Any) -> None:
    village, people = next(iter(people_by_village(platform).items()))
    person = people[0]
    page = tab.new_page()
    sign_in(page, platform, "front_office", "1605", "Rina")
    shot(page, "desk-today-empty")
    receipt = register_at_desk(page, platform, person, "Kartu KIS tidak aktif saat berobat ke puskesmas",
                               screenshot="desk-register")
    assert receipt.startswith("RK-1605-")
    assert page.inner_text("[data-testid=queue-number]").isdigit()
    assert "Pengaduan Anda diterima" in page.inner_text("[data-testid=tell-citizen]")
    # The receipt prints as the intake service's PDF, through this application with the officer's session.
    pdf = page.request.get(platform.url("web") + page.get_attribute("[data-testid=print-receipt]", "href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    ticket = tab.new_page()
    ticket.goto(platform.url("web") + page.get_attribute("[data-testid=print-ticket]", "href"))
    assert page.inner_text("[data-testid=queue-number]") in ticket.inner_text("[data-testid=ticket]")
    shot(ticket, "queue-ticket")
    ticket.close()
    # The DTKS check comes back by itself: the page shows its result and what to tell the citizen.
    complaint_url = page.url.split("?")[0]
    wait_for(lambda: (page.goto(complaint_url), page.inner_text("[data-testid=dtks-result]"))[1],
             lambda text: "Terdaftar di DTKS" in text, "the DTKS result on the complaint page")
    assert person["name"] in page.content()  # the desk handling the case sees the person
    shot(page, "complaint-page")
    page.goto(f"{platform.url('web')}/desk")
    assert receipt in page.inner_text("[data-testid=todays-queue]")
    shot(page, "desk-today")
    # A refused command is told in plain Indonesian: answering a grievance at the desk is not possible.
    page.goto(complaint_url)
    complaint_id = complaint_url.rsplit("/", 1)[1]
    page.evaluate("""([id, csrf]) => { const f = document.createElement('form'); f.method = 'post';
        f.action = `/complaints/${id}/answer`; for (const [k, v] of [['csrf_token', csrf], ['answer', 'Sudah dijawab']]) {
        const i = document.createElement('input'); i.name = k; i.value = v; f.appendChild(i); }
        document.body.appendChild(f); f.submit(); }""",
                  [complaint_id, page.get_attribute("input[name=csrf_token]", "value")])
    page.wait_for_selector(".banner.error")
    assert "Hanya pertanyaan yang dapat dijawab" in page.inner_text(".banner.error")
    assert "Traceback" not in page.content()
    # The village is picked by its official name (reference data), not typed as a code.
    page.goto(f"{platform.url('web')}/desk/new")
    page.fill("#village-search", "wonok")
    page.click("#village-choices [data-village='1605012007']")
    assert page.input_value("#village") == "1605012007"
    assert page.inner_text("#village-name") == "Wonokerto, Tugumulyo, Kabupaten Musi Rawas"


def test_puskesos_works_their_village_queue_and_cannot_open_another_villages_case(
        platform: Platform, tab: Any) -> None:
    villages = people_by_village(platform)
    (mine, my_people), (other, other_people) = list(villages.items())[:2]
    # Someone in another village complained at the district desk.
    fo = token(platform, "front_office")
    elsewhere = httpx.post(f"{platform.url('intake')}/complaints", headers=fo, json={
        "complaint_type": "grievance", "field": "social", "description": "Bantuan BPNT tidak cair",
        "region": {"district": "1605", "subdistrict": other[:6], "village": other}, "nik": other_people[0]["nik"],
        "identity": {"nik": other_people[0]["nik"], "name": other_people[0]["name"]}}).json()

    page = tab.new_page()
    sign_in(page, platform, "puskesos", mine, "Budi")
    person = my_people[-1]
    register_at_desk(page, platform, person, "Anak tidak mendapat KIP padahal terdaftar PKH")
    complaint_url = page.url.split("?")[0]
    complaint_id = complaint_url.rsplit("/", 1)[1]
    puskesos = token(platform, "puskesos", mine)
    wait_for(lambda: complaint_status(platform, puskesos, complaint_id), lambda s: s == "awaiting_assessment",
             "the DTKS check")
    page.goto(complaint_url)
    page.check("input[name=programmes_needed][value=KIP]")
    page.click("form[action$='/assess'] button")
    page.wait_for_selector(".banner.ok")
    assert "dikaji dan diteruskan" in page.inner_text(".banner.ok")
    # The Puskesos queue of the village has it, with counts.
    page.goto(f"{platform.url('web')}/queues/puskesos")
    assert complaint_id in page.inner_html("[data-testid=queue]")
    assert "Sedang ditangani" in page.inner_text("[data-testid=counts]")
    shot(page, "queue-puskesos")
    # Another village's case: refused by intake, explained in Indonesian, nothing of the person shown.
    response = page.goto(f"{platform.url('web')}/complaints/{elsewhere['complaint_id']}")
    assert response.status == 403
    text = page.inner_text("main")
    assert "di luar wilayah kerja Anda" in text
    for secret in (other_people[0]["nik"], other_people[0]["name"], elsewhere["receipt_number"]):
        assert secret not in page.content()
    shot(page, "refused-other-village")


def test_a_supervisor_escalates_a_case_the_puskesos_passed_up(platform: Platform, tab: Any) -> None:
    village, people = list(people_by_village(platform).items())[-1]
    puskesos = token(platform, "puskesos", village)
    made = httpx.post(f"{platform.url('intake')}/complaints", headers=puskesos, json={
        "complaint_type": "grievance", "field": "health", "description": "Premi PBI-Daerah dihentikan",
        "region": {"district": "1605", "subdistrict": village[:6], "village": village}, "nik": people[0]["nik"]}).json()
    cid = made["complaint_id"]
    wait_for(lambda: complaint_status(platform, puskesos, cid), lambda s: s == "awaiting_assessment", "the DTKS check")
    httpx.post(f"{platform.url('intake')}/complaints/{cid}/assess", headers=puskesos, json={}).raise_for_status()

    page = tab.new_page()
    sign_in(page, platform, "puskesos", village, "Budi")
    page.goto(f"{platform.url('web')}/complaints/{cid}")
    page.fill("#e-reason", "Perlu keputusan kecamatan")
    page.click("form[action$='/escalate'] button")
    page.wait_for_selector(".banner.ok")
    page.click("button.link")  # sign out
    sign_in(page, platform, "supervisor", village[:6], "Sari")
    page.goto(f"{platform.url('web')}/queues/supervisor")
    page.click(f"a[href='/complaints/{cid}']")
    assert "Perlu keputusan kecamatan" in page.inner_text("[data-testid=timeline]")
    page.fill("#e-reason", "Butuh persetujuan manajer SLRT")
    page.click("form[action$='/escalate'] button")
    page.wait_for_selector(".banner.ok")
    assert "Manajer SLRT" in page.inner_text("[data-testid=timeline]")
    shot(page, "supervisor-escalated")
    # It left the supervisor's queue for the manager's.
    page.goto(f"{platform.url('web')}/queues/supervisor")
    assert cid not in page.inner_html("[data-testid=queue]")
    # The manager resolves it with the outcome and the complainant's satisfaction.
    page.click("button.link")
    sign_in(page, platform, "manager", "1605", "Pak Manajer")
    page.goto(f"{platform.url('web')}/queues/manager?field=health")
    page.click(f"a[href='/complaints/{cid}']")
    page.select_option("#r-outcome", "resolved_locally")
    page.select_option("#r-satisfaction", "satisfied")
    page.fill("#r-note", "Premi PBI-Daerah diaktifkan kembali")
    page.click("form[action$='/resolve'] button")
    page.wait_for_selector(".banner.ok")
    assert page.inner_text("[data-testid=status]") == "Selesai ditangani"
    assert complaint_status(platform, token(platform, "manager"), cid) == "resolved"


def test_facilitator_captures_offline_and_a_second_sync_registers_nothing_twice(
        platform: Platform, tab: Any) -> None:
    village = list(people_by_village(platform))[0]
    page = tab.new_page()
    sign_in(page, platform, "facilitator", village, "Dewi")
    assert page.url.endswith("/field/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the service worker, which kept the page and its files
    tab.set_offline(True)
    page.reload()  # served from the service worker's cache with no network at all
    counts = lambda: page.evaluate("JSON.parse(document.getElementById('sync-summary').dataset.counts || '{}')")  # noqa: E731
    for n in range(3):
        page.fill("#c-description", f"Catatan lapangan nomor {n + 1}: rumah tidak layak huni")
        page.click("#capture button[type=submit]")
        # As the facilitator does: the next note once this one is listed (the form is cleared after the
        # capture is stored; filling it sooner would be cleared with it and refused as empty).
        wait_for(counts, lambda c, n=n: c.get("pending") == n + 1, f"{n + 1} pending captures")
    shot(page, "field-offline")

    tab.set_offline(False)  # the 'online' event sends them
    wait_for(counts, lambda c: c.get("sent") == 3, "three captures sent")
    fo = token(platform, "front_office")
    registered = lambda: httpx.get(f"{platform.url('intake')}/queues/front-office", headers=fo,  # noqa: E731
                                   params={"channel": "facilitator", "region": village}).json()["total"]
    assert registered() == 3
    shot(page, "field-synced")
    # The answers were lost on the way (as on a bad line): the captures are pending again and go
    # a second time. Their ids make intake answer already_registered: still three complaints.
    page.evaluate("""() => new Promise((ok) => { const r = indexedDB.open('slrt-field'); r.onsuccess = () => {
        const t = r.result.transaction('captures', 'readwrite'), s = t.objectStore('captures');
        s.getAll().onsuccess = (e) => e.target.result.forEach((c) => { c.state = 'pending'; s.put(c); });
        t.oncomplete = () => ok(true); }; })""")
    page.click("#sync")
    wait_for(counts, lambda c: c.get("sent") == 3 and c.get("pending") == 0, "the second sync")
    assert registered() == 3


def test_citizen_follows_the_receipt_link_and_sees_the_timeline_without_personal_data(
        platform: Platform, tab: Any) -> None:
    village, people = list(people_by_village(platform).items())[0]
    person = people[0]
    desk = tab.new_page()
    sign_in(desk, platform, "front_office", "1605")
    receipt = register_at_desk(desk, platform, person, "Ingin tahu cara mendaftar PKH")
    tracking_url = desk.get_attribute(".receipt a[href*='/public/track/']", "href")  # what the QR code holds

    citizen = tab.browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)  # a phone
    page = citizen.new_page()
    wait_for(lambda: (page.goto(tracking_url), page.inner_text("body"))[1],
             lambda text: "Pemeriksaan DTKS" in text, "the DTKS step on the tracking page")
    assert f"Pengaduan {receipt}" in page.inner_text("h1")
    assert "Selanjutnya:" in page.inner_text("main")
    html = page.content()
    for secret in (person["nik"], person["name"], person["name"].split()[0], "081234567890"):
        assert secret not in html
    shot(page, "citizen-tracking")
    # The receipt form of the application leads to the same page.
    page.goto(f"{platform.url('web')}/track")
    page.fill("#receipt", receipt.lower())
    page.click("main form button")
    page.wait_for_selector("ol.timeline")
    assert page.url == tracking_url
    citizen.close()


def test_letter_check_says_a_file_that_is_not_the_signed_original_is_not_authentic(
        platform: Platform, tab: Any, tmp_path: Path) -> None:
    # Any PDF that is not a signed letter of the office, e.g. a receipt with a line changed.
    village, people = list(people_by_village(platform).items())[0]
    fo = token(platform, "front_office")
    made = httpx.post(f"{platform.url('intake')}/complaints", headers=fo, json={
        "complaint_type": "question", "field": "social", "description": "Syarat SKTM apa saja?",
        "region": {"district": "1605", "subdistrict": village[:6], "village": village}}).json()
    pdf = httpx.get(f"{platform.url('intake')}{made['receipt_pdf_path']}", headers=fo).content
    tampered = tmp_path / "surat.pdf"
    tampered.write_bytes(pdf.replace(b"RK-", b"RX-", 1))
    page = tab.new_page()
    page.goto(f"{platform.url('web')}/verify")
    page.set_input_files("#file", str(tampered))
    page.click("main form button")
    page.wait_for_selector("[data-testid=verdict]")
    assert "TIDAK ASLI" in page.inner_text("[data-testid=verdict]")
    shot(page, "letter-check")
