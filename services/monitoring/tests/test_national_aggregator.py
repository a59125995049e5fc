"""The national aggregator against a real nats-server set up as a hub (deploy/k8s/README.md): the
district of a snapshot is its subject's, fetch time-outs are no outage, a poison message ends in the
dead letters (or, failing that, is terminated), and the newest snapshot wins by its real time."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from fastapi.testclient import TestClient
from nats.js.api import StreamConfig
from slrt_contracts.envelope import encode
from slrt_contracts.events.monitoring import AggregateCell, DistrictAggregatesPublished
from slrt_monitoring.national.aggregator import BACKOFF_FIRST, Aggregator
from slrt_monitoring.national.app import create_national_app
from slrt_monitoring.national.settings import NationalSettings
from slrt_monitoring.national.store import Snapshots
from slrt_runtime.natsserver import NatsServerProcess

pytestmark = pytest.mark.integration
WIB = dt.timezone(dt.timedelta(hours=7))


def snapshot(district: str, complaints: int, at: dt.datetime, *, sequence: int | None = None,
             period: str = "semua") -> DistrictAggregatesPublished:
    return DistrictAggregatesPublished(
        district=district, snapshot_id=uuid.uuid4(), period=period, period_from="2000-01", period_to="2999-12",
        generated_at=at, sequence=sequence,
        cells=[AggregateCell(metric="complaints", key="all", region=district, count=complaints),
               AggregateCell(metric="closed", key="all", region=district, suppressed=True)])


def send(url: str, *messages: tuple[str, bytes, dict[str, str]]) -> None:
    async def go() -> None:
        nc = await nats.connect(url)
        for subject, body, headers in messages:
            await nc.jetstream().publish(subject, body, headers=headers, timeout=10)
        await nc.close()
    asyncio.run(go())


def encoded(event: DistrictAggregatesPublished, *, subject: str | None = None) -> tuple[str, bytes, dict[str, str]]:
    real_subject, body, headers = encode(event, event_id=str(event.snapshot_id), time=event.generated_at)
    return subject or real_subject, body, headers


@pytest.fixture
def hub(private_nats: NatsServerProcess) -> str:
    """A hub set up as the first README said: only the arrivals stream, no dead-letter stream."""
    async def setup() -> None:
        nc = await nats.connect(private_nats.url)
        await nc.jetstream().add_stream(StreamConfig(name="SLRT_MONITORING", subjects=["slrt.*.monitoring.aggregates"]))
        await nc.close()
    asyncio.run(setup())
    return private_nats.url


@pytest.fixture
def national(hub: str, tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def start(**overrides: Any) -> TestClient:
        settings = NationalSettings(nats_url=hub, data_dir=tmp_path / f"national-{len(clients)}", **overrides)
        client = TestClient(create_national_app(settings))
        client.__enter__()
        clients.append(client)
        return client
    yield start
    for client in clients:
        client.__exit__(None, None, None)


def wait_for(what: str, check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.1)
    return result


def complaints(client: TestClient, district: str) -> Any:
    return client.get("/overview").json()["districts"].get(district, {}).get("figures", {}).get(
        "complaints", {}).get("all")


def dead_letters(url: str, district: str) -> list[tuple[bytes, str]]:
    async def go() -> list[tuple[bytes, str]]:
        nc = await nats.connect(url)
        try:
            sub = await nc.jetstream().pull_subscribe(f"slrt.{district}.deadletter.>", durable=None)
            msgs = await sub.fetch(10, timeout=2)
            return [(m.data, (m.headers or {}).get("slrt-dead-letter-reason", "")) for m in msgs]
        except (nats.errors.TimeoutError, nats.js.errors.NotFoundError):
            return []
        finally:
            await nc.close()
    return asyncio.run(go())


def test_a_district_cannot_overwrite_another_districts_figures(national: Callable[..., TestClient], hub: str) -> None:
    aceh_besar, pidie = "1106", "1107"
    overview = national()
    now = dt.datetime.now(dt.timezone.utc)
    send(hub, encoded(snapshot(pidie, 139, now)))
    wait_for("Pidie's snapshot", lambda: complaints(overview, pidie) == 139)

    # Aceh Besar's server publishes a body that claims to be Pidie's, newer and with a huge count.
    spoof = snapshot(pidie, 999999, now + dt.timedelta(minutes=5))
    send(hub, encoded(spoof, subject=f"slrt.{aceh_besar}.monitoring.aggregates"))
    letters = wait_for("the spoofed snapshot in the dead letters", lambda: dead_letters(hub, aceh_besar))
    assert letters[0][1] == f"the body names district {pidie} but the message came from district {aceh_besar}"
    assert complaints(overview, pidie) == 139
    assert aceh_besar not in overview.get("/overview").json()["districts"]
    assert overview.get("/overview").json()["national"]["complaints"]["all"] == {"count": 139, "suppressed_cells": 0}


def test_fetch_time_outs_are_not_an_outage(national: Callable[..., TestClient], hub: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """nats-py 2.16's fetch sometimes raises a bare asyncio.TimeoutError instead of its own: the
    aggregator must keep its connection and consumer, not reconnect with a growing back-off."""
    connects: list[str] = []
    real_connect, real_fetch = nats.connect, nats.js.JetStreamContext.PullSubscription.fetch
    bare_timeouts = 0

    async def counting_connect(*args: Any, **kwargs: Any) -> Any:
        connects.append("connect")
        return await real_connect(*args, **kwargs)

    async def flaky_fetch(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal bare_timeouts
        if bare_timeouts < 6:
            bare_timeouts += 1
            await asyncio.sleep(0.05)
            raise asyncio.TimeoutError()  # what nats-py's fetch lets escape now and then
        return await real_fetch(self, *args, **kwargs)

    send(hub, encoded(snapshot("1605", 182, dt.datetime.now(dt.timezone.utc))))
    monkeypatch.setattr(nats, "connect", counting_connect)
    monkeypatch.setattr(nats.js.JetStreamContext.PullSubscription, "fetch", flaky_fetch)
    started = time.monotonic()
    overview = national()
    wait_for("the snapshot", lambda: complaints(overview, "1605") == 182, timeout=30)
    assert bare_timeouts == 6
    assert connects == ["connect"], "a fetch time-out made the aggregator reconnect"
    assert time.monotonic() - started < 5


def test_the_back_off_starts_again_after_a_success(tmp_path: Path) -> None:
    """NATS away three times, back for a while, away again: the wait after that starts from 0.5 s."""
    waits: list[float] = []
    script = iter(["down", "down", "down", "works", "down", "stop"])

    class Scripted(Aggregator):
        async def _session(self, stop: asyncio.Event) -> bool:
            step = next(script)
            if step == "stop":
                stop.set()
                return True
            if step == "works":
                self.ready.set()  # subscribed and consuming, then the connection drops
            raise OSError("connection refused")

    async def run() -> None:
        aggregator = Scripted(NationalSettings(data_dir=tmp_path), Snapshots(tmp_path / "n.sqlite"))
        real_sleep = asyncio.sleep

        async def record(seconds: float) -> None:
            waits.append(seconds)
            await real_sleep(0)
        aggregator_sleep = pytest.MonkeyPatch()
        aggregator_sleep.setattr("slrt_monitoring.national.aggregator.asyncio.sleep", record)
        try:
            await aggregator.run(asyncio.Event())
        finally:
            aggregator_sleep.undo()
    asyncio.run(run())
    assert waits == [0.5, 1.0, 2.0, BACKOFF_FIRST, 1.0]


def test_a_poison_message_goes_to_the_dead_letters_the_hub_provisions(national: Callable[..., TestClient],
                                                                      hub: str) -> None:
    overview = national()
    send(hub, ("slrt.1605.monitoring.aggregates", b"{not json", {"ce-type": DistrictAggregatesPublished.ce_type(),
                                                                 "ce-id": "poison-1"}),
         encoded(snapshot("1605", 40, dt.datetime.now(dt.timezone.utc))))
    wait_for("the good snapshot after the poison", lambda: complaints(overview, "1605") == 40)
    letters = wait_for("the dead letter", lambda: dead_letters(hub, "1605"))
    assert letters == [(b"{not json", "body is not JSON: Expecting property name enclosed in double quotes")]


def test_a_poison_message_is_terminated_when_it_cannot_be_dead_lettered(
        national: Callable[..., TestClient], hub: str, caplog: pytest.LogCaptureFixture) -> None:
    """A hub whose setup the aggregator may not touch and that has no dead-letter stream: the
    poison message is delivered a bounded number of times, then terminated with a log line."""
    caplog.set_level(logging.WARNING, logger="slrt_monitoring.national.aggregator")
    overview = national(provision=False, max_deliveries=2)
    send(hub, ("slrt.1605.monitoring.aggregates", b"{not json", {"ce-type": DistrictAggregatesPublished.ce_type(),
                                                                 "ce-id": "poison-2"}),
         encoded(snapshot("1605", 40, dt.datetime.now(dt.timezone.utc))))
    wait_for("the good snapshot", lambda: complaints(overview, "1605") == 40)
    aggregator = overview.app.state.aggregator
    wait_for("the poison message terminated", lambda: aggregator.stats.terminated == 1)
    assert "terminated after 2 deliveries" in caplog.text and "NoStreamResponseError" in caplog.text

    async def pending() -> tuple[int, int]:
        nc = await nats.connect(hub)
        info = await nc.jetstream().consumer_info("SLRT_MONITORING", "national-aggregator")
        await nc.close()
        return info.num_ack_pending, info.num_pending
    time.sleep(2.5)  # longer than the redelivery delay: nothing comes back
    assert asyncio.run(pending()) == (0, 0)
    assert aggregator.stats.terminated == 1 and aggregator.stats.connects == 1


def test_the_newest_snapshot_wins_by_its_real_time_then_by_sequence(national: Callable[..., TestClient],
                                                                    hub: str) -> None:
    overview = national()
    ten_wib = dt.datetime(2026, 11, 2, 10, 0, tzinfo=WIB)  # 03:00 UTC
    four_utc = dt.datetime(2026, 11, 2, 4, 0, tzinfo=dt.timezone.utc)  # an hour later, but "04:00" < "10:00"
    send(hub, encoded(snapshot("1605", 100, ten_wib)), encoded(snapshot("1605", 120, four_utc)))
    wait_for("the later UTC snapshot", lambda: complaints(overview, "1605") == 120)

    # A late older one never replaces a newer one.
    send(hub, encoded(snapshot("1605", 90, ten_wib - dt.timedelta(hours=1))))
    # Same instant: the higher sequence (more of the district's history) wins, whichever comes first.
    same = dt.datetime(2026, 11, 2, 5, 0, tzinfo=dt.timezone.utc)
    send(hub, encoded(snapshot("1605", 130, same, sequence=7)), encoded(snapshot("1605", 125, same, sequence=6)),
         encoded(snapshot("1606", 50, same, sequence=3)))
    wait_for("the other district", lambda: complaints(overview, "1606") == 50)
    assert complaints(overview, "1605") == 130
    send(hub, encoded(snapshot("1605", 140, same.astimezone(WIB), sequence=8)))
    wait_for("the same instant with the next sequence", lambda: complaints(overview, "1605") == 140)
    assert overview.get("/overview").json()["national"]["complaints"]["all"]["count"] == 190


def test_the_hub_keeps_the_latest_per_district_and_period_and_a_fresh_aggregator_starts_from_it(
        national: Callable[..., TestClient], hub: str) -> None:
    first = national(arrivals_per_district=3, mirror_seconds=0.2)
    start = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.timezone.utc)
    rounds = [snapshot(d, 10 * hour + i + 10, start + dt.timedelta(hours=hour), period=period)
              for hour in range(4) for i, (d, period) in enumerate(
                  [("1605", "semua"), ("1605", "2026-Q4"), ("1606", "semua"), ("1606", "2026-Q4")])]
    send(hub, *(encoded(e) for e in rounds))
    wait_for("the last round", lambda: complaints(first, "1606") == 42)
    wait_for("the bucket", lambda: first.get("/status").json()["stats"]["mirrored"] >= 4)
    time.sleep(0.5)  # and the arrivals position recorded after them
    before = {p: first.get("/overview", params={"period": p}).json() for p in ("semua", "2026-Q4")}
    assert before["2026-Q4"]["national"]["complaints"]["all"]["count"] == 41 + 43

    async def hub_state() -> tuple[Any, dict[str, bytes]]:
        nc = await nats.connect(hub)
        js = nc.jetstream()
        info = await js.stream_info("SLRT_MONITORING")
        kv = await js.key_value("SLRT_NATIONAL_LATEST")
        latest = {k: (await kv.get(k)).value for k in await kv.keys()}
        await nc.close()
        return info, latest
    info, latest = asyncio.run(hub_state())
    # Bounded by design: per district, and by age; the bucket holds one snapshot per district and period.
    assert info.config.max_msgs_per_subject == 3 and info.config.max_age == 24 * 3600
    assert info.state.messages == 6  # 3 per district subject, of the 16 sent
    assert sorted(latest) == ["1605.2026-Q4", "1605.semua", "1606.2026-Q4", "1606.semua", "arrivals_position"]
    assert latest["arrivals_position"] == str(info.state.last_seq).encode()
    assert DistrictAggregatesPublished.model_validate_json(latest["1606.semua"]).cells[0].count == 42

    fresh = national(arrivals_per_district=3)  # a new volume: nothing in its own store
    after = wait_for("the fresh aggregator's overview", lambda: {
        p: body for p in ("semua", "2026-Q4") if (body := fresh.get("/overview", params={"period": p}).json())[
            "districts"]} if len(fresh.get("/overview").json()["districts"]) == 2 else None)
    assert after == before
    # All from the bucket: none of the arrivals still in the stream had to be read again.
    assert fresh.get("/status").json()["stats"]["absorbed"] == 0


def test_the_overview_kept_incrementally_equals_one_built_afresh(tmp_path: Path) -> None:
    kept = Snapshots(tmp_path / "kept.sqlite", max_staleness=0)
    assert kept.overview("semua")["districts"] == {}
    at = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.timezone.utc)
    for hour in range(5):
        for n, district in enumerate(("1605", "1606", "1607")):
            cells = [AggregateCell(metric="complaints", key="all", region=district, count=5 + hour * n),
                     AggregateCell(metric="gap", key=f"k{hour % 2}", region=district,
                                   **({"suppressed": True} if (hour + n) % 2 else {"count": 0})),
                     AggregateCell(metric="complaints", key="all", region=f"{district}01", count=99)]
            event = snapshot(district, 0, at + dt.timedelta(hours=hour)).model_copy(update={"cells": cells})
            kept.keep(event)
            kept.overview_json("semua")  # asked for between snapshots, so it is kept incrementally
    afresh = Snapshots(tmp_path / "kept.sqlite")
    assert kept.overview("semua") == afresh.overview("semua")
    national = afresh.overview("semua")["national"]
    assert national["complaints"]["all"]["count"] == 5 + 9 + 13
    assert national["gap"] == {"k0": {"count": 0, "suppressed_cells": 1}}  # 1606 suppressed, the others 0
    assert json.loads(kept.overview_json("semua")) == afresh.overview("semua")


def _variants() -> list[tuple[str, dict[str, Any]]]:
    good = json.loads(encoded(snapshot("1605", 40, dt.datetime(2026, 11, 2, 1, 0, tzinfo=WIB), sequence=3))[1])
    cell = good["cells"][0]
    variants: list[tuple[str, dict[str, Any]]] = [("valid", good), ("an unknown top-level field", {**good, "new": 1}),
                                                  ("no sequence", {k: v for k, v in good.items() if k != "sequence"})]
    for name, changed in [("count 3 not suppressed", {"count": 3}), ("count 0", {"count": 0}),
                          ("suppressed with a count", {"suppressed": True}), ("negative count", {"count": -5}),
                          ("village region", {"region": "1605011001"}), ("metric upper case", {"metric": "Complaints"}),
                          ("key with a space", {"key": "a b"}), ("unknown cell field", {"nik": "3201"}),
                          ("count as text", {"count": "40"}), ("count as float", {"count": 40.5}),
                          ("no count, not suppressed", {"count": None})]:
        variants.append((name, {**good, "cells": [{**cell, **changed}]}))
    bare = {k: v for k, v in cell.items() if k not in ("count", "suppressed")}
    variants += [("suppressed, no count key", {**good, "cells": [{**bare, "suppressed": True}]}),
                 ("counted, no suppressed key", {**good, "cells": [{**bare, "count": 12}]}),
                 ("nothing but the names", {**good, "cells": [bare]})]
    for name, changed in [("district of 3 digits", {"district": "160"}), ("bad snapshot id", {"snapshot_id": "x"}),
                          ("negative sequence", {"sequence": -1}), ("no cells", {"cells": None}),
                          ("period too long", {"period": "x" * 17}), ("bad period_from", {"period_from": "2025"}),
                          ("time as a number", {"generated_at": 5})]:
        variants.append((name, {**good, **changed}))
    return variants


@pytest.mark.parametrize(("case", "body"), _variants(), ids=[case for case, _ in _variants()])
def test_the_fast_reader_gives_the_contracts_verdict(case: str, body: dict[str, Any]) -> None:
    """The aggregator's reader (TypedDicts derived from the contract, no object per cell) accepts
    exactly what the contract model accepts, with the same values."""
    from slrt_monitoring.national.reading import read_body

    raw = json.dumps(body).encode()
    try:
        contract: DistrictAggregatesPublished | None = DistrictAggregatesPublished.model_validate_json(raw)
    except ValueError:
        contract = None
    fast = read_body(raw)
    assert (fast is None) == (contract is None), case
    if fast is not None and contract is not None:
        assert fast.model_dump(exclude={"cells"}) == contract.model_dump(exclude={"cells"})
        assert fast.cells == [c.model_dump() for c in contract.cells]
