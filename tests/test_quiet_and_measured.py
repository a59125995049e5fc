"""A service left alone says nothing alarming, and tells Prometheus what it does.

Every service (and the web application) is started as its own tests start it, connected to a real
nats-server; left idle, nothing is logged at WARNING or above (an idle platform that logs errors
teaches operators to ignore them; only letters' development-certificate notice is expected), and ``/metrics`` answers with the platform's own series.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.testing import wait_for

pytestmark = pytest.mark.integration

IDLE_SECONDS = 8.0  # several consumer fetch time-outs (2 s) and relay polls (1 s)


@pytest.mark.parametrize("service", ["intake", "dtks", "referral", "letters", "monitoring"])
def test_an_idle_service_logs_nothing_alarming_and_is_measured(service: str, nats_url: str, district: str, tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture, service_app: Any) -> None:
    settings = ServiceSettings(persistence="sqlite", district=district, data_dir=tmp_path, nats_url=nats_url)
    caplog.set_level(logging.INFO)
    app = service_app(service, settings, with_deadlines=True)
    with TestClient(app) as client:  # entered: connects, starts relay and consumers
        wait_for(lambda: client.get("/readyz"), lambda r: r.status_code == 200, what=f"{service} ready")
        time.sleep(IDLE_SECONDS)
        metrics = client.get("/metrics")
    # The one warning an embedded start gives on purpose: letters signs with a development certificate
    # until the office's is installed (configuration, said once at start, not noise).
    loud = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING
            and not (r.name == "slrt_letters.adapters.signing" and "DEVELOPMENT signing certificate" in r.getMessage())]
    assert not loud, f"{service} logged while idle:\n" + "\n".join(loud)

    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    series = metrics.text
    assert f'slrt_nats_connected{{service="{service}"}} 1.0' in series
    if app.state.messaging.relays:
        assert f'slrt_outbox_lag_events{{service="{service}"}} 0.0' in series
    assert 'http_requests_total{handler="/readyz",method="GET",status="2xx"}' in series
    for consumer in app.state.messaging.consumers:
        assert f'slrt_consumer_lag_messages{{consumer="{consumer.name}"}} 0.0' in series
        assert f'slrt_consumer_dead_lettered_total{{consumer="{consumer.name}"}} 0.0' in series
    if service in ("intake", "referral", "letters"):
        assert f'slrt_deadlines_open{{service="{service}"}}' in series


def test_the_web_application_is_measured_by_route_template(tmp_path: Path) -> None:
    from slrt_web.main import build
    from slrt_web.settings import WebSettings

    client = TestClient(build(WebSettings(session_secret="x" * 40)), raise_server_exceptions=False)
    client.get("/complaints/1605031507800001/ticket", follow_redirects=False)  # not signed in: redirected
    series = client.get("/metrics").text
    assert 'handler="/complaints/{complaint_id}/ticket"' in series
    assert "1605031507800001" not in series  # a value in a path (a NIK, a receipt) is never a label


def test_api_docs_are_served_without_a_cdn(tmp_path: Path, service_app: Any) -> None:
    settings = ServiceSettings(persistence="memory", district="1605", data_dir=tmp_path, nats_url="nats://127.0.0.1:1")
    client = TestClient(service_app("intake", settings, with_messaging=False))
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "cdn." not in html and "googleapis" not in html and "unpkg" not in html
        assets = [part.split('"')[0] for part in html.split('src="')[1:]] + \
                 [part.split('"')[0] for part in html.split('href="')[1:] if ".css" in part.split('"')[0]]
        assert assets, page
        for asset in assets:
            assert asset.startswith("/"), f"{page} loads {asset} from elsewhere"
            assert client.get(asset).status_code == 200, asset
