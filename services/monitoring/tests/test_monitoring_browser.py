"""The staff dashboard in headless Chromium: it loads, and a newly registered complaint appears
without a reload (server-sent events). A screenshot is kept in var/test-artifacts/."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from slrt_monitoring.main import build
from slrt_monitoring.adapters.synthetic import History, cid, known_history, publish
from slrt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.integration
ARTIFACTS = Path(__file__).resolve().parents[3] / "var" / "test-artifacts"
CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")) if p
                 and Path(p).exists()), None)
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]


def publish_from_thread(nats_url: str, settings: ServiceSettings, messages: list) -> None:
    """Playwright's sync API runs an event loop in this thread: publish from another one."""
    worker = threading.Thread(target=lambda: asyncio.run(publish(nats_url, settings, messages)))
    worker.start()
    worker.join(timeout=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(nats_url: str, district: str, tmp_path: Path) -> Iterator[tuple[str, ServiceSettings]]:
    port = free_port()
    settings = ServiceSettings(district=district, nats_url=nats_url, data_dir=tmp_path, http_port=port)
    server = uvicorn.Server(uvicorn.Config(build(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz").json().get("nats_connected"):
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    yield base, settings
    server.should_exit = True
    thread.join(timeout=10)


def test_dashboard_updates_live_in_chromium(served: tuple[str, ServiceSettings]) -> None:
    if CHROMIUM is None:
        pytest.skip("chromium not found (/usr/bin/chromium); .ci/run installs it with apt-get")
    from playwright.sync_api import sync_playwright

    base, settings = served
    district = settings.district
    history = known_history(district)
    asyncio.run(publish(settings.nats_url, settings, history.messages()))
    token = httpx.post(f"{base}/auth/dev-token", json={"sub": "mgr", "role": "manager", "region": district}).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    deadline = time.monotonic() + 60
    while httpx.get(f"{base}/dashboard/data", headers=auth).json()["complaints"]["total"] < 9:
        assert time.monotonic() < deadline, "history not applied"
        time.sleep(0.2)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.goto(f"{base}/dashboard?token={token['access_token']}")
        page.wait_for_selector('[data-kpi="complaints"] b', timeout=30_000)
        assert page.inner_text('[data-kpi="complaints"] b') == "9"
        page.wait_for_selector("#live.on", timeout=30_000)  # the server-sent events stream is open
        assert "1. Usulan pembaruan" in page.content() and "<svg" in page.content()
        loaded = page.evaluate("window.performance.getEntriesByType('navigation').length")

        more = History(district)
        more._ids = {"intake": 100}
        template = history.deliveries[0].event
        more.add("ComplaintRegistered", complaint_id=cid(10), receipt_number=f"RK-{district}-26-000010",
                 registered_at=dt.datetime(2026, 10, 20, 3, 0, tzinfo=dt.timezone.utc), region=template.region,
                 nik=None, identity=None, channel="front_office")
        publish_from_thread(settings.nats_url, settings, more.messages())
        page.wait_for_function("document.querySelector('[data-kpi=\"complaints\"] b').textContent === '10'",
                               timeout=30_000)
        assert "RK-%s-26-000010" % district in page.content()
        assert page.evaluate("window.performance.getEntriesByType('navigation').length") == loaded  # no reload
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        browser.close()
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
