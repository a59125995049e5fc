"""The district's NATS configuration as deployed (nats/config.yaml with the overlay's users.conf and its
agency example switched on), run by a real nats-server: a client without credentials gets nothing,
the services' user provisions and uses the streams, and an agency reads only the referrals addressed
to it and publishes only its own answers. Only the cluster routes are left out (one node here)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.errors import NoServersError
from slrt_referral.adapters.agency_access import REFERRAL_STREAM, durable_name, ensure_agency_consumers, inbox_prefix
from slrt_runtime.natsserver import free_port, nats_server_binary, wait_for_port
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.streams import ensure_streams

sys.path.insert(0, str(Path(__file__).parent))
from k8s_render import OVERLAY, one, render_copy  # noqa: E402

pytestmark = pytest.mark.integration
SERVICES_PASSWORD, AGENCY_PASSWORD = "services-pw", "dinkes-pw"


@pytest.fixture
def district_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    tmp = tmp_path_factory.mktemp("nats")
    docs = render_copy(tmp, OVERLAY)
    conf = one(docs, "ConfigMap", "nats-config")["data"]["nats.conf"]
    users = one(docs, "ConfigMap", "nats-users")["data"]["users.conf"]
    head, marker, rest = users.partition("  # {user: dinkes")
    (tmp / "users.conf").write_text(head + re.sub(r"^  # ?", "  ", marker + rest, flags=re.M))
    (tmp / "leafnodes.conf").write_text(one(docs, "ConfigMap", "nats-leafnodes")["data"]["leafnodes.conf"])
    port = free_port()
    single = re.sub(r"^cluster \{.*?^\}\n", "", conf, flags=re.S | re.M)
    single = (single.replace("listen: 0.0.0.0:4222", f"listen: 127.0.0.1:{port}").replace("http: 0.0.0.0:8222", "")
              .replace("/var/run/nats/nats.pid", str(tmp / "nats.pid")).replace("store_dir: /data", f"store_dir: {tmp}/js"))
    assert "cluster {" not in single and f"127.0.0.1:{port}" in single
    (tmp / "nats.conf").write_text(single)
    env = {"PATH": "/usr/bin:/bin", "SERVER_NAME": "nats-0", "NATS_JS_DOMAIN": "slrt-1605",
           "NATS_AGGREGATES_SUBJECT": "slrt.1605.monitoring.aggregates", "NATS_SLRT_PASSWORD": SERVICES_PASSWORD,
           "NATS_AGENCY_DINKES_PASSWORD": AGENCY_PASSWORD}
    process = subprocess.Popen([nats_server_binary(), "-c", "nats.conf"], cwd=tmp, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port
    finally:
        process.terminate()
        process.wait(10)


async def test_only_authenticated_clients_and_agencies_within_their_subjects(district_nats: int, tmp_path: Path) -> None:
    url = f"nats://127.0.0.1:{district_nats}"
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        await nats.connect(url, max_reconnect_attempts=0, connect_timeout=2, allow_reconnect=False)

    services = await nats.connect(f"nats://slrt:{SERVICES_PASSWORD}@127.0.0.1:{district_nats}")
    js = services.jetstream()
    await ensure_streams(js, ServiceSettings(district="1605", data_dir=tmp_path))
    assert await ensure_agency_consumers(js, "1605", {"dinkes"}) == ["dinkes"]
    for agency in ("dinkes", "dinsos"):
        await js.publish(f"slrt.1605.referral.{agency}.sent", f"referral for {agency}".encode())

    errors: list[Exception] = []

    async def on_error(e: Exception) -> None:
        errors.append(e)

    agency = await nats.connect(url, user="dinkes", password=AGENCY_PASSWORD, inbox_prefix=inbox_prefix("dinkes"),
                                error_cb=on_error)
    try:
        ajs = agency.jetstream()
        sub = await ajs.pull_subscribe_bind(durable_name("dinkes", "1605"), stream=REFERRAL_STREAM)
        msgs = await sub.fetch(10, timeout=5)
        assert [m.data for m in msgs] == [b"referral for dinkes"]
        for m in msgs:
            await m.ack()
        await ajs.publish("slrt.1605.agency.dinkes.referral.answer", b"answer", timeout=5)

        # Another agency's answer subject, its referrals, anyone's consumer: refused.
        await agency.publish("slrt.1605.agency.dinsos.referral.answer", b"forged")
        await agency.subscribe("slrt.1605.referral.>")
        with pytest.raises(Exception):  # noqa: B017 - no reply reaches an unpermitted request
            await ajs.add_consumer(REFERRAL_STREAM, durable_name="wide", filter_subject="slrt.1605.referral.>")
        await agency.flush(timeout=5)
        await asyncio.sleep(0.5)
        refused = " ".join(str(e).lower() for e in errors)
        for what in ('publish to "slrt.1605.agency.dinsos.referral.answer"', 'subscription to "slrt.1605.referral.>"',
                     'publish to "$js.api.consumer'):
            assert f"permissions violation for {what}" in refused, refused
    finally:
        await agency.close()
    subjects = {m.subject for m in await _all(js, "slrt.1605.agency.>")}
    assert subjects == {"slrt.1605.agency.dinkes.referral.answer"}
    await services.close()


async def _all(js, subject: str) -> list:  # noqa: ANN001
    sub = await js.pull_subscribe(subject, durable=None)
    try:
        return await sub.fetch(100, timeout=2)
    except nats.errors.TimeoutError:
        return []
