"""A district's NATS joined to the national hub as a leaf node, both configured as deployed: the
district from nats/config.yaml with the example overlay's leaf link switched on, the hub from
national/hub-nats.conf (TLS left out: both run on 127.0.0.1). Only the district's aggregates cross,
and the national aggregator on the hub sees its snapshot."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest
from nats.aio.msg import Msg
from fastapi.testclient import TestClient
from slrt_contracts.envelope import encode
from slrt_contracts.events.monitoring import AggregateCell, DistrictAggregatesPublished
from slrt_monitoring.national.app import create_national_app
from slrt_monitoring.national.settings import NationalSettings
from slrt_runtime.natsserver import free_port, nats_server_binary, wait_for_port
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.streams import ensure_streams

sys.path.insert(0, str(Path(__file__).parent))
from k8s_render import K8S, OVERLAY, one, render_copy  # noqa: E402

pytestmark = pytest.mark.integration
SERVICES_PW, LEAF_PW, AGGREGATOR_PW = "services-pw", "leaf-1605-pw", "aggregator-pw"


@dataclass
class Servers:
    district: str  # the services' URL in the district
    hub: str  # the aggregator's URL on the hub
    hub_monitor: int


def _run(tmp: Path, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    log = open(tmp / "nats.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen([nats_server_binary(), "-c", "nats.conf"], cwd=tmp, stdout=log, stderr=log,
                               env={"PATH": "/usr/bin:/bin", **env})
    wait_for_port(port)
    return process


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    hub_dir, district_dir = tmp_path / "hub", tmp_path / "district"
    hub_dir.mkdir()
    hub_port, hub_monitor, leaf_port, district_port = free_port(), free_port(), free_port(), free_port()
    hub_conf = (K8S / "national" / "hub-nats.conf").read_text()
    hub_conf = re.sub(r"^  tls \{.*?^  \}\n", "", hub_conf, flags=re.S | re.M)  # plain TCP on 127.0.0.1
    hub_conf = (hub_conf.replace("listen: 0.0.0.0:4222", f"listen: 127.0.0.1:{hub_port}")
                .replace("http: 0.0.0.0:8222", f"http: 127.0.0.1:{hub_monitor}")
                .replace("listen: 0.0.0.0:7422", f"listen: 127.0.0.1:{leaf_port}")
                .replace("store_dir: /data", f"store_dir: {hub_dir}/js"))
    assert "tls" not in hub_conf.split("leafnodes {")[1]
    (hub_dir / "nats.conf").write_text(hub_conf)

    docs = render_copy(district_dir, OVERLAY)
    conf = one(docs, "ConfigMap", "nats-config")["data"]["nats.conf"]
    single = re.sub(r"^cluster \{.*?^\}\n", "", conf, flags=re.S | re.M)
    single = (single.replace("listen: 0.0.0.0:4222", f"listen: 127.0.0.1:{district_port}")
              .replace("http: 0.0.0.0:8222", "").replace("/var/run/nats/nats.pid", str(district_dir / "nats.pid"))
              .replace("store_dir: /data", f"store_dir: {district_dir}/js"))
    (district_dir / "nats.conf").write_text(single)
    (district_dir / "users.conf").write_text(one(docs, "ConfigMap", "nats-users")["data"]["users.conf"])
    leaf = one(docs, "ConfigMap", "nats-leafnodes")["data"]["leafnodes.conf"]
    switched_on = re.sub(r"^# ?", "", leaf[leaf.index("# leafnodes {"):], flags=re.M)
    switched_on = re.sub(r"^\s*tls: \{\}\n", "", switched_on, flags=re.M)
    assert "account: NATIONAL" in switched_on and "url: $NATS_NATIONAL_URL" in switched_on
    (district_dir / "leafnodes.conf").write_text(switched_on)

    hub = _run(hub_dir, {"NATS_AGGREGATOR_PASSWORD": AGGREGATOR_PW, "NATS_LEAF_1605_PASSWORD": LEAF_PW}, hub_port)
    district = None
    try:
        district = _run(district_dir, {
            "SERVER_NAME": "nats-0", "NATS_JS_DOMAIN": "slrt-1605", "NATS_SLRT_PASSWORD": SERVICES_PW,
            "NATS_AGGREGATES_SUBJECT": "slrt.1605.monitoring.aggregates",
            "NATS_NATIONAL_URL": f"nats-leaf://district-1605:{LEAF_PW}@127.0.0.1:{leaf_port}"}, district_port)
        deadline = time.monotonic() + 20
        while not _leafz(hub_monitor):
            assert time.monotonic() < deadline, (hub_dir / "nats.log").read_text()[-2000:]
            time.sleep(0.1)
        yield Servers(f"nats://slrt:{SERVICES_PW}@127.0.0.1:{district_port}",
                      f"nats://aggregator:{AGGREGATOR_PW}@127.0.0.1:{hub_port}", hub_monitor)
    finally:
        for process in (district, hub):
            if process is not None:
                process.terminate()
                process.wait(10)


def _leafz(port: int) -> list[dict]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/leafz", timeout=2) as r:
        return json.loads(r.read())["leafs"] or []


def test_only_the_aggregates_cross_and_the_hub_aggregator_sees_them(servers: Servers, tmp_path: Path) -> None:
    (leaf,) = _leafz(servers.hub_monitor)
    assert leaf["account"] == "DISTRICT_1605"
    seen_on_hub: list[tuple[str, bytes]] = []
    seen_in_district: list[tuple[str, bytes]] = []
    event = DistrictAggregatesPublished(
        district="1605", snapshot_id=uuid.uuid4(), period="semua", period_from="2000-01", period_to="2999-12",
        generated_at=dt.datetime.now(dt.timezone.utc), sequence=12,
        cells=[AggregateCell(metric="complaints", key="all", region="1605", count=182)])

    body_sent = encode(event, event_id=str(event.snapshot_id), time=event.generated_at)[1]
    settings = NationalSettings(nats_url=servers.hub, data_dir=tmp_path / "national")
    with TestClient(create_national_app(settings)) as overview:
        async def exchange() -> None:
            hub = await nats.connect(servers.hub)
            district = await nats.connect(servers.district)
            try:
                async def on_hub(msg: Msg) -> None:
                    seen_on_hub.append((msg.subject, msg.data))

                async def in_district(msg: Msg) -> None:
                    seen_in_district.append((msg.subject, msg.data))
                await hub.subscribe("slrt.>", cb=on_hub)
                await district.subscribe("slrt.>", cb=in_district)
                await hub.flush()
                await district.flush()
                js = district.jetstream()
                await ensure_streams(js, ServiceSettings(district="1605", data_dir=tmp_path / "district"))
                # What the district's services publish: a complaint (personal data), another district's
                # subject, a dead letter, and the aggregates.
                await js.publish("slrt.1605.intake.complaint.registered", b'{"nik": "3201..."}', timeout=5)
                await district.publish("slrt.1606.monitoring.aggregates", b"not mine to send")
                await district.publish("slrt.1605.deadletter.monitoring", b"a dead letter")
                subject, body, headers = encode(event, event_id=str(event.snapshot_id), time=event.generated_at)
                await js.publish(subject, body, headers=headers, timeout=5)
                # And the hub publishes on a district subject: nothing goes back down.
                await hub.publish("slrt.1605.intake.complaint.registered", b"from the hub")
                await hub.flush()
                await asyncio.sleep(1.0)
            finally:
                await hub.close()
                await district.close()
        asyncio.run(exchange())

        deadline = time.monotonic() + 20
        while "1605" not in (body := overview.get("/overview").json())["districts"]:
            assert time.monotonic() < deadline, "the district's snapshot did not reach the aggregator"
            time.sleep(0.2)
        assert body["districts"]["1605"]["figures"]["complaints"]["all"] == 182

    # On the hub: the aggregates once, and its own publish; nothing else of the district's.
    assert sorted(seen_on_hub) == [("slrt.1605.intake.complaint.registered", b"from the hub"),
                                   ("slrt.1605.monitoring.aggregates", body_sent)]
    # In the district: its own messages, nothing from the hub.
    assert sorted(subject for subject, _ in seen_in_district) == [
        "slrt.1605.deadletter.monitoring", "slrt.1605.intake.complaint.registered",
        "slrt.1605.monitoring.aggregates", "slrt.1606.monitoring.aggregates"]
    assert all(data != b"from the hub" for _, data in seen_in_district)
