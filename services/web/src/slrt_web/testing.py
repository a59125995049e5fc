"""Steps the browser journeys share (``services/web/tests``): signing in, registering at the desk,
tokens for arranging a case through the API, waiting for what the platform does by itself, and
screenshots (kept in var/test-artifacts/web/; the README's come from there).

Playwright is imported by the fixtures, not here, so this module costs nothing to import.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:  # the launcher depends on this package, not the other way round
    from slrt_platform.platform import Platform

ROOT = Path(__file__).resolve().parents[4]
SHOTS = ROOT / "var" / "test-artifacts" / "web"
CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")) if p
                 and Path(p).exists()), None)
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]


def token(platform: Platform, role: str, region: str = "1605", agency: str | None = None) -> dict[str, str]:
    body = {"sub": f"{role}-t", "role": role, "region": region} | ({"agency": agency} if agency else {})
    r = httpx.post(f"{platform.url('intake')}/auth/dev-token", json=body)
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def wait_for(fetch: Callable[[], Any], ok: Callable[[Any], bool], what: str, timeout: float = 60.0) -> Any:
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        last = fetch()
        if ok(last):
            return last
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}; last: {last}")


def people_by_village(platform: Platform) -> dict[str, list[dict[str, Any]]]:
    people = httpx.get(f"{platform.url('dtks')}/registry/sample?limit=50", headers=token(platform, "front_office")).json()
    villages: dict[str, list[dict[str, Any]]] = {}
    for person in people:
        villages.setdefault(person["village_code"], []).append(person)
    return villages


def sign_in(page: Any, platform: Platform, role: str, region: str, name: str = "Petugas Uji",
            agency: str | None = None) -> None:
    page.goto(f"{platform.url('web')}/sign-in")
    page.select_option("#role", role)
    page.fill("#region", region)
    page.fill("#name", name)
    if agency:
        page.fill("#agency", agency)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def register_at_desk(page: Any, platform: Platform, person: dict[str, Any], description: str,
                     complaint_type: str = "grievance", screenshot: str | None = None) -> str:
    """Fills the desk form with a DTKS lookup by NIK, registers, and answers the receipt number."""
    page.goto(f"{platform.url('web')}/desk/new")
    page.fill("#nik", person["nik"])
    page.click("[data-testid=lookup-nik]")
    page.wait_for_selector("[data-testid=dtks-found]")
    assert page.input_value("#p-name") == person["name"]  # the person is filled from DTKS
    assert page.input_value("#village") == person["village_code"]
    page.select_option("#complaint_type", complaint_type)
    page.select_option("#field", "health")
    page.fill("#programme", "PBI-JK")
    page.fill("#description", description)
    page.fill("#contact_phone", "081234567890")
    if screenshot:
        shot(page, screenshot)
    page.click("form#register button[type=submit]")
    page.wait_for_selector("[data-testid=receipt-number]")
    return page.inner_text("[data-testid=receipt-number]")


def complaint_status(platform: Platform, headers: dict[str, str], complaint_id: str) -> str:
    return httpx.get(f"{platform.url('intake')}/complaints/{complaint_id}", headers=headers).json()["status"]
