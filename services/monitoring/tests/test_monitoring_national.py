"""The national stream: districts publish anonymised aggregates (on demand here), the national
aggregator keeps the latest of each district and sums them; no personal data crosses."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from slrt_contracts.envelope import encode
from slrt_monitoring.main import build
from slrt_monitoring.national.aggregator import NationalSettings
from slrt_monitoring.national.app import create_national_app
from slrt_monitoring.application.snapshot import snapshot
from slrt_monitoring.domain.periods import Period
from slrt_monitoring.application.readmodel import ReadModels
from slrt_monitoring.adapters.synthetic import SECRET_NAME, SECRET_NIK, known_history, publish
from slrt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.integration


def test_two_districts_reach_the_national_overview(nats_url: str, district: str, tmp_path: Path) -> None:
    other = f"{(int(district) + 1) % 10000:04d}" if district != "9999" else "9000"
    settings = ServiceSettings(district=district, nats_url=nats_url, data_dir=tmp_path / "a")
    second = ServiceSettings(district=other, nats_url=nats_url, data_dir=tmp_path / "b")
    # District B: its snapshot, straight onto the stream.
    models = ReadModels(second)
    models.projector.apply_batch(known_history(other).deliveries)
    event_b = snapshot(models.store, other, Period.parse(None))
    asyncio.run(publish(nats_url, second, [encode(event_b, event_id=str(event_b.snapshot_id), time=event_b.generated_at)]))

    national = NationalSettings(nats_url=nats_url, data_dir=tmp_path / "national", durable=f"national-{district}")
    with TestClient(build(settings)) as district_a, TestClient(create_national_app(national)) as overview:
        district_a.app.state.view.projector.apply_batch(known_history(district).deliveries)
        token = district_a.post("/auth/dev-token", json={"sub": "m", "role": "manager", "region": district}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        deadline = time.monotonic() + 30
        while not district_a.app.state.messaging.connected.is_set():
            assert time.monotonic() < deadline
            time.sleep(0.1)
        published = district_a.post("/national/publish", headers=headers)
        assert published.status_code == 200, published.text
        assert published.json()["subject"] == f"slrt.{district}.monitoring.aggregates"
        fo = district_a.post("/auth/dev-token", json={"sub": "f", "role": "front_office", "region": district}).json()
        assert district_a.post("/national/publish",
                               headers={"Authorization": f"Bearer {fo['access_token']}"}).status_code == 403

        def both() -> dict:
            body = overview.get("/overview").json()
            return body if {district, other} <= set(body["districts"]) else {}

        while not (body := both()):
            assert time.monotonic() < deadline, "aggregates did not arrive"
            time.sleep(0.2)
        # Other districts sharing this test server may be in the national sums: compare with the districts' own.
        figures = {d: v["figures"] for d, v in body["districts"].items()}
        assert figures[district]["complaints"]["all"] == figures[other]["complaints"]["all"] == 9
        assert body["national"]["complaints"]["all"]["count"] == sum(
            f["complaints"]["all"] for f in figures.values() if isinstance(f.get("complaints", {}).get("all"), int))
        assert figures[district]["gap"]["low_rank_no_programme"] == "<5"  # one household: never sent as a count
        assert body["national"]["gap"]["low_rank_no_programme"]["suppressed_cells"] >= 2
        page = overview.get("/")
        assert page.status_code == 200 and "Nasional" in page.text
        for text in (page.text, str(body)):
            assert SECRET_NIK not in text and SECRET_NAME not in text and "RK-" not in text
