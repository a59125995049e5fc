"""Issue 11's last parts in the application: the desk's warning when the person already has an open
complaint (a real browser), the refusal of an unknown village in plain Indonesian, and a scan of every
staff role's pages for NIKs and names the role may not see (as monitoring's tests scan the public pages).

The platform is the one of every journey file of the session (conftest.py): the cases here are found
by their own ids and by names and NIKs made for this file only.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from slrt_platform.platform import Platform
from slrt_reference.regions import regions
from slrt_web.domain.refusals import Refusal, explain
from slrt_web.entrypoints.i18n import gettext
from slrt_web.testing import people_by_village, register_at_desk, sign_in, token

# Two villages of different sub-districts of the reference data: Wonokerto (Tugumulyo) and Semangus
# (Muara Lakitan).
VILLAGE_A, VILLAGE_B = "1605012007", "1605022002"


def test_an_unknown_village_is_told_in_plain_indonesian() -> None:
    answer = {"detail": [{"type": "unknown_region", "loc": ["body", "region"],
                          "msg": "unknown village 1605999999: not in the region reference data (Kemendagri, "
                                 "idn-area-data@4.0.1)"}]}
    assert explain(Refusal.from_answer(422, answer), gettext) == (
        "Wilayah 1605999999 tidak ada dalam data wilayah resmi (Kemendagri); pilih desa/kelurahan menurut namanya.")


@pytest.mark.e2e
def test_the_desk_warns_that_the_person_already_has_an_open_complaint(platform: Platform, tab: Any) -> None:
    village, people = list(people_by_village(platform).items())[1]
    person = people[-1]
    first = httpx.post(f"{platform.url('intake')}/complaints", headers=token(platform, "front_office"), json={
        "complaint_type": "grievance", "field": "social", "description": "Bantuan PKH tidak cair bulan ini",
        "region": {"district": "1605", "subdistrict": village[:6], "village": village}, "nik": person["nik"]})
    assert first.status_code == 201, first.text
    page = tab.new_page()
    sign_in(page, platform, "front_office", "1605", "Rina")
    page.goto(f"{platform.url('web')}/desk/new")
    page.fill("#nik", person["nik"])
    page.click("[data-testid=lookup-nik]")
    warning = page.wait_for_selector("[data-testid=already-open]")
    assert "sudah mempunyai pengaduan yang masih berjalan" in warning.inner_text()
    link = page.locator(f"[data-testid=already-open] a:text('{first.json()['receipt_number']}')")
    assert link.get_attribute("href") == f"/complaints/{first.json()['complaint_id']}"
    # The person's village from DTKS, by its official name.
    assert page.input_value("#village") == village
    assert page.inner_text("#village-name") == regions().describe(village) != village
    # The officer decides: registering is still possible, and makes a second complaint.
    second = register_at_desk(page, platform, person, "Kartu KIS tidak aktif saat berobat",
                              screenshot="desk-already-open")
    assert second.startswith("RK-1605-") and second != first.json()["receipt_number"]


def _case(platform: Platform, village: str, name: str, nik: str, phone: str) -> str:
    r = httpx.post(f"{platform.url('intake')}/complaints", headers=token(platform, "front_office"), json={
        "complaint_type": "grievance", "field": "health", "description": "Kartu KIS tidak aktif (uji pindai)",
        "region": {"district": "1605", "subdistrict": village[:6], "village": village}, "nik": nik,
        "identity": {"nik": nik, "name": name, "consent_to_disclose": False}, "contact_phone": phone})
    assert r.status_code == 201, r.text
    return r.json()["complaint_id"]


def _pages(platform: Platform, role: str, region: str, complaint_ids: list[str]) -> dict[str, httpx.Response]:
    """Every page of the role's part of the application, as a browser gets it after signing in."""
    with httpx.Client(base_url=platform.url("web"), follow_redirects=True, timeout=30) as web:
        csrf = web.get("/sign-in").text.split('name="csrf_token" value="')[1].split('"')[0]
        r = web.post("/sign-in", data={"csrf_token": csrf, "role": role, "region": region, "name": "Petugas Pindai"})
        assert r.status_code == 200 and "/sign-in" not in str(r.url), (role, region)
        paths = ["/", "/queues", "/desk", "/field/", "/field/village", *(f"/complaints/{c}" for c in complaint_ids)]
        return {path: web.get(path) for path in paths}


# role, region, which of the two cases the role may open (intake's region rule)
ROLES = [
    ("front_office", "1605", "AB"), ("back_office", "1605", "AB"), ("manager", "1605", "AB"),
    ("supervisor", VILLAGE_A[:6], "A"), ("puskesos", VILLAGE_A, "A"), ("facilitator", VILLAGE_A, "A"),
]


@pytest.mark.e2e
def test_no_staff_page_shows_a_nik_or_a_name_the_role_may_not_see(platform: Platform) -> None:
    tag = uuid.uuid4().hex[:6]
    # Synthetic people made for this scan only (valid NIKs of each village's sub-district, nobody in DTKS).
    serial = int(tag, 16) % 9000 + 1000
    person = {"A": (f"Pindai Alfa {tag}", f"{VILLAGE_A[:6]}150385{serial}", f"0812{serial}1111"),
              "B": (f"Pindai Beta {tag}", f"{VILLAGE_B[:6]}570790{serial}", f"0812{serial}2222")}
    cases = {"A": _case(platform, VILLAGE_A, *person["A"]), "B": _case(platform, VILLAGE_B, *person["B"])}
    for role, region, allowed in ROLES:
        pages = _pages(platform, role, region, list(cases.values()))
        for path, answer in pages.items():
            assert answer.status_code < 500, (role, path, answer.status_code)
            for which, (name, nik, phone) in person.items():
                # The whole NIK never: staff pages show it masked (the desk shows what the officer types).
                assert nik not in answer.text, (role, path, "NIK")
                own_case = path == f"/complaints/{cases[which]}"
                if which in allowed and own_case:
                    # The staff handling the case see the person; that the scan finds the name here
                    # shows it would find it anywhere else.
                    assert answer.status_code == 200 and name in answer.text, (role, path)
                else:
                    assert name not in answer.text and phone not in answer.text, (role, path, which)
        for which in "AB":
            if which not in allowed:
                refused = pages[f"/complaints/{cases[which]}"]
                assert refused.status_code == 403 and "wilayah kerja Anda" in refused.text, (role, which)
