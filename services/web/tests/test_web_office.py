"""The DTKS operator's and the manager's pages in a real browser (Chromium through Playwright) against
the whole platform: importing a generated extract with its progress and report (and rolling it back
to the version before), the prelist from
proposal to the ministry's decision, the dashboard's figures leading to their lists, the monev
download. The fixtures are in conftest.py (one platform for the session: cases are found by id).

The page rules that need no services (the sign-in refusing ``service``, the monev form's checks)
are at the end.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from slrt_dtks.adapters.synthetic import generate, write_csv
from slrt_platform.platform import Platform
from slrt_web.domain.monev import monev_request
from slrt_web.main import build
from slrt_web.settings import WebSettings
from slrt_web.testing import shot, sign_in, token, wait_for

WEB = "web"


def _extract(path: Path, people: int) -> Path:
    """The session's registry (seed 7) with 40 more people at the end, and two broken rows."""
    buffer = io.StringIO()
    write_csv(generate("1605", people, seed=7), buffer)
    header = buffer.getvalue().splitlines()[0].split(",")
    bad = {"registry_id": "SYN-RUSAK-1", "nik": "160503420877", "name": "Baris Rusak"}
    rows = [",".join(bad.get(c, "x") for c in header), ",".join({**bad, "registry_id": "SYN-RUSAK-2"}.get(c, "")
                                                              for c in header)]
    path.write_text(buffer.getvalue() + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.e2e
def test_the_dtks_operator_imports_a_generated_extract_and_reads_the_report(
        platform: Platform, tab: Any, tmp_path: Path) -> None:
    operator = token(platform, "dtks_operator")
    before = httpx.get(f"{platform.url('dtks')}/registry/status", headers=operator).json()
    # The first N people of a bigger extract are the N-people extract: the session's people stay.
    extract = _extract(tmp_path / "dtks-1605-maret.csv", before["rows"] + 40)
    page = tab.new_page()
    sign_in(page, platform, "dtks_operator", "1605", "Operator DTKS")
    assert page.url.endswith("/dtks")  # the operator's home
    assert before["version"] in page.inner_text("[data-testid=registry-status]")
    page.set_input_files("#extract", str(extract))
    page.click("#upload button[type=submit]")
    # The progress is polled (htmx) until the new version is active, then the report replaces the bar.
    page.wait_for_selector("[data-testid=import][data-state=done]", timeout=60_000)
    assert page.get_attribute("[data-testid=progress]", "value") == "100"
    assert page.inner_text("[data-testid=rows-loaded]") == str(before["rows"] + 40)
    assert page.inner_text("[data-testid=rows-rejected]") == "2"
    assert page.inner_text("[data-testid=added]") == "40"
    rejections = page.inner_text("[data-testid=rejections]")
    first_bad = before["rows"] + 40 + 2  # the header is row 1
    assert f"{first_bad}\tnik:" in rejections and str(first_bad + 1) in rejections
    assert "160503420877" not in page.content()  # the report never repeats a refused value
    shot(page, "dtks-import")
    # The added people are listed behind their number; the versions page shows the new one active.
    page.click("[data-testid=added]")
    assert page.locator("[data-testid=changes] tbody tr").count() == 40
    page.goto(f"{platform.url(WEB)}/dtks/versions")
    versions = page.inner_text("[data-testid=versions]")
    assert "dtks-1605-maret.csv" in versions and before["version"] in versions
    # Looking a person up by NIK shows the household.
    person = httpx.get(f"{platform.url('dtks')}/registry/sample?limit=1", headers=operator).json()[0]
    page.goto(f"{platform.url(WEB)}/dtks/people")
    page.fill("#nik", person["nik"])
    page.click("form.form button[type=submit]")
    assert page.inner_text("[data-testid=person-name]") == person["name"]
    # The extract turns out wrong: the version before it is made active again, with the reason asked
    # on a confirmation screen (no reason: asked again, the error beside the field).
    page.goto(f"{platform.url(WEB)}/dtks/versions")
    page.click(f"tr[data-version='{before['version']}'] [data-testid=reactivate]")
    assert before["version"] in page.inner_text("h1")
    page.click("#activate button[type=submit]")
    assert page.inner_text("[data-testid=error-reason]") == "Tuliskan alasannya dengan beberapa kata (paling sedikit 5 karakter)."
    assert page.locator(".field-error #reason").count() == 1
    shot(page, "dtks-reactivate-confirm")
    page.fill("#reason", "Ekstrak Maret ternyata keliru")
    page.click("#activate button[type=submit]")
    assert "aktif kembali" in page.inner_text(".banner.ok")
    assert page.get_attribute(f"tr[data-version='{before['version']}']", "data-status") == "active"
    assert page.get_attribute("tr[data-status=active]", "data-version") == before["version"]
    assert "Ekstrak Maret ternyata keliru" in page.inner_text("[data-testid=activations]")
    shot(page, "dtks-reactivate")
    after = httpx.get(f"{platform.url('dtks')}/registry/status", headers=operator).json()
    assert (after["version"], after["rows"]) == (before["version"], before["rows"])


def _take_step(page: Any, platform: Platform, role: str, region: str, status: str, proposal: str, step: str,
               **choice: str) -> None:
    sign_in(page, platform, role, region)
    page.goto(f"{platform.url(WEB)}/dtks/prelist?status={status}")
    row = page.locator(f"tr[data-proposal='{proposal}']")
    for name, value in choice.items():
        row.locator(f"select[name={name}]").select_option(value)
    row.locator(f"[data-testid=step-{step}]").click()
    page.wait_for_selector(".banner")


@pytest.mark.e2e
def test_a_prelist_proposal_goes_through_verivali_to_the_ministry_and_back(
        platform: Platform, tab: Any, tmp_path: Path) -> None:
    village = "1605012007"
    page = tab.new_page()
    # The Puskesos officer proposes a villager who is not in DTKS, from the prelist page.
    sign_in(page, platform, "puskesos", village)
    page.goto(f"{platform.url(WEB)}/dtks/prelist")
    page.click("[data-testid=propose]")
    assert page.input_value("#village") == village
    for field, value in (("#name", "Wartini Uji Prelist"), ("#birth_date", "1961-07-14"),
                         ("#address", "Jl. Poros Desa RT 02"), ("#household_members", "3"),
                         ("#note", "rumah tidak layak huni")):
        page.fill(field, value)
    page.select_option("#sex", "F")
    page.click("#propose button[type=submit]")
    assert "Penduduk diusulkan masuk DTKS" in page.inner_text(".banner.ok")
    pid = page.get_attribute("tr[data-proposal]:has-text('Wartini Uji Prelist')", "data-proposal")
    # The same person again is refused by the dtks service, and the page says it plainly.
    page.goto(f"{platform.url(WEB)}/dtks/prelist/new")
    for field, value in (("#name", "Wartini Uji Prelist"), ("#birth_date", "1961-07-14"),
                         ("#address", "Jl. Poros Desa RT 02")):
        page.fill(field, value)
    page.select_option("#sex", "F")
    page.click("#propose button[type=submit]")
    assert "sudah diusulkan masuk DTKS" in page.inner_text(".banner.error")
    # A rejection needs its reason: the page says so and nothing is recorded.
    _take_step(page, platform, "supervisor", "1605", "proposed", pid, "review", decision="reject")
    assert "Pilih alasan penolakan" in page.inner_text(".banner.error")
    _take_step(page, platform, "supervisor", "1605", "proposed", pid, "review")
    _take_step(page, platform, "manager", "1605", "reviewed", pid, "recommendation")
    _take_step(page, platform, "facilitator", village, "recommended", pid, "verification")
    assert "Hasil verifikasi lapangan tercatat" in page.inner_text(".banner.ok")
    # The DTKS operator exports the verified proposals and downloads the batch for the ministry system.
    sign_in(page, platform, "dtks_operator", "1605")
    page.goto(f"{platform.url(WEB)}/dtks/prelist?status=verified")
    assert page.locator(f"tr[data-proposal='{pid}']").count() == 1
    page.click("[data-testid=export]")
    batch = page.request.get(platform.url(WEB) + page.get_attribute("[data-testid=batch-file]", "href"))
    assert batch.status == 200 and batch.headers["content-type"].startswith("text/csv")
    assert pid in batch.text()
    assert "Wartini Uji Prelist" in page.inner_text(f"tr[data-proposal='{pid}']")
    shot(page, "dtks-prelist")
    # The ministry's decisions come back as a file.
    decisions = tmp_path / "keputusan.csv"
    decisions.write_text(f"proposal_id,decision,reason\n{pid},accepted,\nbukan-uuid,accepted,\n", encoding="utf-8")
    page.set_input_files("#decisions", str(decisions))
    page.click("form[action='/dtks/prelist/decisions'] button[type=submit]")
    assert page.inner_text("[data-testid=decisions-applied]").startswith("1 ")
    page.goto(f"{platform.url(WEB)}/dtks/prelist?status=accepted")
    assert page.locator(f"tr[data-proposal='{pid}']").count() == 1


@pytest.mark.e2e
def test_the_manager_follows_a_dashboard_figure_to_its_list_and_downloads_a_monev_pdf(
        platform: Platform, tab: Any) -> None:
    people = httpx.get(f"{platform.url('dtks')}/registry/sample?limit=3", headers=token(platform, "front_office")).json()
    person = people[-1]
    fo = token(platform, "front_office")
    registered = httpx.post(f"{platform.url('intake')}/complaints", headers=fo, json={
        "complaint_type": "grievance", "field": "education", "description": "KIP anak belum cair",
        "region": {"district": "1605", "subdistrict": person["village_code"][:6], "village": person["village_code"]},
        "nik": person["nik"], "identity": {"nik": person["nik"], "name": person["name"]}})
    assert registered.status_code == 201, registered.text
    complaint_id = registered.json()["complaint_id"]
    # A referral of it to the KIP programme, proposed once the referral service knows the complaint.
    referral = wait_for(lambda: httpx.post(f"{platform.url('referral')}/referrals", headers=fo, json={
        "complaint_id": complaint_id, "programme": "KIP", "note": "mohon KIP untuk anak"}),
        lambda r: r.status_code == 201, "the referral service to know the complaint")
    assert referral.json()["programme"] == "KIP"
    manager = token(platform, "manager")
    wait_for(lambda: httpx.get(f"{platform.url('monitoring')}/dashboard/data", headers=manager).json(),
             lambda f: f["complaints"]["by_field"].get("education", 0) > 0 and any(
                 r[1] == "KIP" for r in f["access"]["referrals"]), "the complaint and its referral on the dashboard")
    page = tab.new_page()
    sign_in(page, platform, "manager", "1605", "Bu Manajer")
    assert page.url.endswith("/dashboard")  # the manager's home
    by_field = page.inner_text("[data-testid=by-field]")
    assert "Pendidikan" in by_field and "education" not in by_field  # names, not codes
    assert "_" not in page.inner_text("[data-testid=by-status]")
    kip = page.locator("[data-testid=referrals] tr", has_text="Kartu Indonesia Pintar")
    assert "Kementerian Pendidikan" in kip.inner_text() and "diusulkan" in kip.inner_text()  # names, not codes
    assert kip.locator("a").get_attribute("href") == "/referrals?agency=kemendikbud-pip&programme=KIP&status=proposed"
    shot(page, "manager-dashboard")
    # A figure opens the list behind it: the work queue, filtered by that field.
    page.click("[data-testid=by-field] a >> nth=0")
    page.wait_for_load_state()
    assert "/queues/" in page.url and "field=" in page.url
    assert page.input_value("#f-field") in page.url
    # The monev report of this quarter, as PDF, from the form.
    page.goto(f"{platform.url(WEB)}/dashboard/reports")
    today = dt.date.today()
    page.select_option("#m-kind", "quarter")
    page.select_option("#m-number", str((today.month - 1) // 3 + 1))
    page.fill("#m-year", str(today.year))
    page.check("input[name=format][value=pdf]")
    shot(page, "monev-download")
    with page.expect_download() as download:
        page.click("[data-testid=monev-download]")
    assert Path(download.value.path()).read_bytes()[:4] == b"%PDF"
    assert download.value.suggested_filename == f"monev-1605-{today.year}-Q{(today.month - 1) // 3 + 1}.pdf"
    answer = page.request.get(f"{platform.url(WEB)}/dashboard/monev?kind=year&year={today.year}&format=xlsx")
    assert answer.status == 200 and "spreadsheetml" in answer.headers["content-type"]
    pdf = page.request.get(f"{platform.url(WEB)}/dashboard/monev?kind=semester&number=1&year={today.year}&format=pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    # A wrong choice is told next to its field, in Indonesian.
    page.goto(f"{platform.url(WEB)}/dashboard/monev?kind=quarter&number=7&year={today.year}&format=pdf")
    assert "4 triwulan" in page.inner_text("#e-number")
    # The catalogue of programmes and time standards is shown; the manager adds a programme, with its
    # time standard typed in Indonesian, then withdraws it (a programme of this test only).
    page.goto(f"{platform.url(WEB)}/catalogue")
    assert "PKH" in page.inner_text("[data-testid=programmes]")
    page.click("a[href='/catalogue/programmes/new']")
    for field, value in (("#code", "UJI-BEDAH-RUMAH"), ("#name", "Bedah rumah (uji)"), ("#agency", "dinsos"),
                         ("#agency_name", "Dinas Sosial"), ("#answer_within", "secepatnya")):
        page.fill(field, value)
    page.select_option("#field", "social")
    page.click("#programme button[type=submit]")
    assert "Tulis angka dan satuannya" in page.inner_text("#programme")  # told next to the field
    page.fill("#answer_within", "7 hari kerja")
    page.click("#programme button[type=submit]")
    assert "Katalog tersimpan" in page.inner_text(".banner.ok")
    added = page.locator("[data-testid=programmes] tr", has_text="UJI-BEDAH-RUMAH")
    assert "7 working days" in added.inner_text() or "7 hari kerja" in added.inner_text()
    added.locator("a").click()
    page.uncheck("input[name=active]")
    page.click("#programme button[type=submit]")
    assert "ditarik" in page.locator("[data-testid=programmes] tr", has_text="UJI-BEDAH-RUMAH").inner_text()


# -- page rules without the services ----------------------------------------------------------------

NOBODY = "http://127.0.0.1:9"


def test_the_service_role_cannot_sign_in_and_is_told_why() -> None:
    client = TestClient(build(WebSettings(intake_url=NOBODY, dtks_url=NOBODY, referral_url=NOBODY,
                                          letters_url=NOBODY, monitoring_url=NOBODY, api_timeout_seconds=2)))
    page = client.get("/sign-in").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post("/sign-in", data={"csrf_token": csrf, "role": "service", "region": "1605"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    assert "hanya untuk layanan platform itu sendiri" in client.get("/sign-in").text
    for path in ("/dtks", "/dtks/prelist", "/dashboard", "/dashboard/reports", "/catalogue"):
        assert client.get(path, follow_redirects=False).headers["location"].startswith("/sign-in?next="), path


@pytest.mark.parametrize(("form", "period", "errors"), [
    ({"kind": "quarter", "number": "3", "year": "2026", "format": "pdf"}, "2026-Q3", set()),
    ({"kind": "semester", "number": "2", "year": "2026", "format": "xlsx"}, "2026-S2", set()),
    ({"kind": "year", "number": "9", "year": "2025", "format": "pdf"}, "2025", set()),
    ({"kind": "quarter", "number": "5", "year": "2026", "format": "pdf"}, None, {"number"}),
    ({"kind": "month", "year": "1999", "format": "doc", "region": "16x"}, None, {"kind", "year", "format", "region"}),
])
def test_the_monev_form_names_the_period_or_the_wrong_fields(form: dict[str, str], period: str | None,
                                                              errors: set[str]) -> None:
    asked, problems = monev_request(form, this_year=2026)
    assert set(problems) == errors
    assert (asked.period if asked else None) == period


def test_a_prelist_step_says_approve_or_reject_with_its_reason() -> None:
    from slrt_contracts import Role
    from slrt_web.application.prelist import STEPS, step_for

    assert STEPS["review"].body({"decision": "approve", "reason": "moved", "note": " ok "}) == {
        "approve": True, "reason": None, "note": "ok"}
    assert STEPS["verification"].body({"decision": "reject", "reason": "deceased"}) == {
        "result": "rejected", "reason": "deceased", "note": ""}
    assert step_for(Role.MANAGER, {"status": "reviewed"}) is STEPS["recommendation"]
    assert step_for(Role.MANAGER, {"status": "proposed"}) is None  # the supervisor's step, not the manager's
    assert step_for(Role.ADMIN, {"status": "recommended"}) is STEPS["verification"]
    assert step_for(Role.DTKS_OPERATOR, {"status": "verified"}) is None  # exported as a batch instead
