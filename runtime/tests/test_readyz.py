"""/readyz says whether a service can do its whole job now: its store answers and, when it uses
messaging, it is connected to NATS (a real nats-server, stopped and started again under it)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from slrt_runtime.http import create_app
from slrt_runtime.messaging import ServiceMessaging
from slrt_runtime.natsserver import NatsServerProcess
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.testing import wait_for

pytestmark = pytest.mark.integration


def test_readyz_is_503_while_nats_is_away_and_ready_again_after(private_nats: NatsServerProcess, tmp_path) -> None:
    settings = ServiceSettings(data_dir=tmp_path, nats_url=private_nats.url)
    app = create_app("probe", settings, routers=[], messaging=ServiceMessaging("probe", settings))
    with TestClient(app) as client:  # entered: the lifespan connects to NATS
        ready = wait_for(lambda: client.get("/readyz"), lambda r: r.status_code == 200, what="ready")
        assert ready.json()["nats_connected"] is True

        private_nats.stop()
        away = wait_for(lambda: client.get("/readyz"), lambda r: r.status_code == 503, timeout=15, what="not ready")
        assert away.json()["nats_connected"] is False and "NATS" in away.json()["detail"]
        assert client.get("/healthz").status_code == 200  # alive all along: nothing to restart

        private_nats.start()
        back = wait_for(lambda: client.get("/readyz"), lambda r: r.status_code == 200, timeout=30, what="ready again")
        assert back.json()["nats_connected"] is True


def test_readyz_is_503_while_the_store_does_not_answer(tmp_path) -> None:
    store_answers = True

    def store_check() -> int:
        if not store_answers:
            raise ConnectionError("database went away")
        return 0

    client = TestClient(create_app("probe", ServiceSettings(data_dir=tmp_path), routers=[], ready_check=store_check))
    assert client.get("/readyz").status_code == 200
    store_answers = False
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["detail"] == "event store not reachable: ConnectionError"
