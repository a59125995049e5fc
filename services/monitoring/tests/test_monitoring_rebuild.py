"""Against a real nats-server: live consumers build the read models exactly once, tolerate event
types they do not know, and a rebuild from the streams gives exactly the same read models."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from slrt_monitoring.main import build
from slrt_monitoring.adapters.synthetic import History, known_history, publish
from slrt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.integration


def wait_for(predicate: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def tracked(client: TestClient) -> int:
    return len(client.app.state.view.store.dump()["tracking"])


def manager(client: TestClient, district: str) -> dict[str, str]:
    token = client.post("/auth/dev-token", json={"sub": "mgr", "role": "manager", "region": district}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def unknown_event(history: History) -> tuple[str, bytes, dict[str, str]]:
    subject, body, headers = history.messages()[0]
    headers = {**headers, "ce-type": "id.slrt.intake.ComplaintTeleported.v1", "Nats-Msg-Id": "unknown-1",
               "ce-id": "unknown-1", "slrt-notification-id": "999"}
    return subject.replace("registered", "teleported"), body, headers


def test_rebuild_gives_exactly_the_same_read_models_as_live(nats_url: str, district: str, tmp_path: Path) -> None:
    settings = ServiceSettings(district=district, nats_url=nats_url, data_dir=tmp_path, consumer_max_deliver=3)
    history = known_history(district)
    messages = history.messages()
    # The same notifications again under new message ids (a relay re-publishing after the duplicate window).
    again = [(s, b, {**h, "Nats-Msg-Id": f"again-{i}"}) for i, (s, b, h) in enumerate((messages[0], messages[3]))]
    asyncio.run(publish(nats_url, settings, [*messages, unknown_event(history), *again]))
    with TestClient(build(settings)) as client:
        wait_for(lambda: tracked(client) == len(history.deliveries))
        consumers = {c.name: c for c in client.app.state.messaging.consumers}
        wait_for(lambda: consumers["monitoring-intake"].ignored == 1)
        assert sum(c.dead_lettered for c in consumers.values()) == 0
        live = client.app.state.view.store.dump()
        assert client.app.state.view.generation == 1

        headers = manager(client, district)
        assert client.post("/admin/rebuild", headers=headers).status_code == 202
        wait_for(lambda: client.get("/admin/rebuild", headers=headers).json()["state"] in ("done", "failed"))
        progress = client.get("/admin/rebuild", headers=headers).json()
        assert progress["state"] == "done", progress
        assert progress["lag"] == 0 and progress["read"] == len(messages) + 3
        assert client.app.state.view.generation == 2
        assert client.app.state.view.store.dump() == live
        lag = client.get("/admin/lag", headers=headers).json()
        assert lag["generation"] == 2 and set(lag["consumers"]) >= {"monitoring-intake", "monitoring-dtks"}
        # Live updates keep going into the new generation, exactly once.
        assert client.get(f"/public/track/RK-{district}-26-000001").json()["status"] == "resolved"
    with TestClient(build(settings, with_messaging=False)) as again:  # the pointer survives a restart
        assert again.app.state.view.generation == 2
        assert again.app.state.view.store.dump() == live


def test_rebuild_is_for_managers_only(tmp_path: Path) -> None:
    client = TestClient(build(ServiceSettings(district="1605", data_dir=tmp_path), with_messaging=False))
    fo = client.post("/auth/dev-token", json={"sub": "fo", "role": "front_office", "region": "1605"}).json()
    assert client.post("/admin/rebuild", headers={"Authorization": f"Bearer {fo['access_token']}"}).status_code == 403
    assert client.post("/admin/rebuild", headers=manager(client, "1605")).status_code == 503  # no NATS here
