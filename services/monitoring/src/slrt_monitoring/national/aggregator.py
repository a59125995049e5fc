"""The national aggregator: keeps the latest anonymised aggregates of every district and sums them.

It reads ``slrt.*.monitoring.aggregates`` from a JetStream stream on the national NATS
(filled from the districts by stream sourcing or a leaf node, see deploy/k8s/README.md). It only
ever sees counts: districts suppress small cells before publishing, and a suppressed cell stays
unknown here (the national total says how many cells it left out).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from slrt_contracts import EnvelopeError, decode
from slrt_contracts.events.monitoring import DistrictAggregatesPublished
from slrt_contracts.streams import dead_letter_subject
from slrt_runtime.consumers import HEADER_DL_REASON

log = logging.getLogger(__name__)
SUBJECT = "slrt.*.monitoring.aggregates"


class NationalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_NATIONAL_", extra="ignore")

    nats_url: str = "nats://127.0.0.1:4322"
    stream: str = Field(default="SLRT_MONITORING", description="Stream holding the districts' aggregates")
    durable: str = "national-aggregator"
    data_dir: Path = Path("var/data")
    http_host: str = "127.0.0.1"
    http_port: int = 8010


class Snapshots:
    """The latest snapshot per district and period (SQLite; a newer one replaces an older one)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.lock = threading.Lock()
        self.conn.execute("CREATE TABLE IF NOT EXISTS snapshots (district TEXT, period TEXT, generated_at TEXT,"
                          " snapshot_id TEXT, cells TEXT, PRIMARY KEY (district, period))")

    def keep(self, e: DistrictAggregatesPublished) -> bool:
        cells = json.dumps([c.model_dump() for c in e.cells])
        with self.lock:
            cur = self.conn.execute(
                "INSERT INTO snapshots VALUES (?,?,?,?,?) ON CONFLICT (district, period) DO UPDATE SET"
                " generated_at=excluded.generated_at, snapshot_id=excluded.snapshot_id, cells=excluded.cells"
                " WHERE excluded.generated_at > snapshots.generated_at",
                (e.district, e.period, e.generated_at.isoformat(), str(e.snapshot_id), cells))
            return cur.rowcount == 1

    def overview(self, period: str) -> dict[str, Any]:
        with self.lock:
            rows = self.conn.execute("SELECT district, generated_at, cells FROM snapshots WHERE period=?"
                                     " ORDER BY district", (period,)).fetchall()
        districts: dict[str, Any] = {}
        national: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: {
            "count": 0, "suppressed_cells": 0}))
        for district, generated_at, cells_json in rows:
            mine: dict[str, dict[str, Any]] = defaultdict(dict)
            for c in json.loads(cells_json):
                if c["region"] != district:
                    continue  # sub-district cells stay in the district's own figures
                value = "<5" if c["suppressed"] else c["count"]
                mine[c["metric"]][c["key"]] = value
                total = national[c["metric"]][c["key"]]
                if c["suppressed"]:
                    total["suppressed_cells"] += 1
                else:
                    total["count"] += c["count"]
            districts[district] = {"generated_at": generated_at, "figures": mine}
        return {"period": period, "districts": districts, "national": national}


async def consume_forever(settings: NationalSettings, snapshots: Snapshots, stop: asyncio.Event) -> None:
    """Keep consuming; NATS away (at start or later) means waiting and trying again, not stopping."""
    backoff = 0.5
    while not stop.is_set():
        try:
            await consume(settings, snapshots, stop)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001
            log.warning("national aggregator: NATS not available (%s); retrying", type(e).__name__)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)


async def consume(settings: NationalSettings, snapshots: Snapshots, stop: asyncio.Event) -> None:
    """Pull the districts' snapshots; a message that is not a valid snapshot is dead-lettered."""
    nc = await nats.connect(settings.nats_url, max_reconnect_attempts=-1)
    js = nc.jetstream()
    try:
        sub = await js.pull_subscribe(SUBJECT, durable=settings.durable, stream=settings.stream, config=ConsumerConfig(
            ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, max_ack_pending=100))
        while not stop.is_set():
            try:
                msgs = await sub.fetch(50, timeout=1.0)
            except NatsTimeout:
                continue
            for msg in msgs:
                try:
                    event = decode(dict(msg.headers or {}), msg.data)
                    if not isinstance(event, DistrictAggregatesPublished):
                        raise EnvelopeError(f"not a district aggregate: {event.ce_type()}")
                    await asyncio.to_thread(snapshots.keep, event)
                except EnvelopeError as e:
                    district = msg.subject.split(".")[1]
                    await js.publish(dead_letter_subject(district, settings.durable), msg.data,
                                     headers={**(msg.headers or {}), HEADER_DL_REASON: str(e)[:1000]})
                await msg.ack()
    finally:
        await nc.close()
