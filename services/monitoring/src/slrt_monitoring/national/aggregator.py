"""The national aggregator: keeps the latest anonymised aggregates of every district and sums them.

It reads ``slrt.*.monitoring.aggregates`` from the hub's arrivals stream (filled from the districts
through leaf nodes, see deploy/k8s/README.md). It only ever sees counts: districts suppress small
cells before publishing, and a suppressed cell stays unknown here (the national total says how many
cells it left out).

The district of a snapshot is the one in its subject: on the hub each district's leaf user lands in
an account of its own that lets only ``slrt.<its code>.monitoring.aggregates`` through, so the
subject is what the hub vouches for. A body naming another district is dead-lettered, never kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

import nats
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue
from slrt_contracts import EnvelopeError
from slrt_contracts.events.monitoring import DistrictAggregatesPublished
from slrt_contracts.streams import dead_letter_subject
from slrt_runtime.consumers import HEADER_DL_REASON

from .hub import ARRIVALS_SUBJECT, ensure_hub, latest_bucket, latest_entries, latest_key
from .reading import read_body, read_snapshot
from .settings import NationalSettings
from .store import Snapshots

log = logging.getLogger(__name__)
SUBJECT = ARRIVALS_SUBJECT
FETCH_SECONDS = 1.0
BACKOFF_FIRST, BACKOFF_MOST = 0.5, 10.0
POSITION_KEY = "arrivals_position"  # in the latest bucket, beside the <district>.<period> keys

__all__ = ["Aggregator", "NationalSettings", "Snapshots", "consume_forever", "read_snapshot"]


@dataclass
class Stats:
    connects: int = 0
    fetch_timeouts: int = 0
    absorbed: int = 0  # valid snapshots read and ordered (kept if newest)
    dead_lettered: int = 0
    terminated: int = 0
    mirrored: int = 0


class Aggregator:
    """Consumes the arrivals stream into :class:`Snapshots`, one fetched batch per transaction."""

    def __init__(self, settings: NationalSettings, snapshots: Snapshots) -> None:
        self.settings = settings
        self.snapshots = snapshots
        self.stats = Stats()
        self.ready = asyncio.Event()
        self.settled_through = 0  # arrivals stream sequence up to which every message is committed or settled
        self.mirrored_through = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Keep consuming; NATS away (at start or later) means waiting and trying again, not stopping.
        The wait doubles up to 10 s and starts again from 0.5 s once a session has done any work."""
        backoff = BACKOFF_FIRST
        while not stop.is_set():
            worked = False
            try:
                worked = await self._session(stop)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001
                worked = self.ready.is_set()
                log.warning("national aggregator: NATS not available (%s); retrying", type(e).__name__)
            finally:
                self.ready.clear()
            if stop.is_set():
                break
            if worked:
                backoff = BACKOFF_FIRST
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MOST)

    async def _session(self, stop: asyncio.Event) -> bool:
        nc = await nats.connect(self.settings.nats_url, max_reconnect_attempts=-1)
        self.stats.connects += 1
        try:
            js = nc.jetstream()
            if self.settings.provision:
                latest: KeyValue | None = await ensure_hub(js, self.settings)
            else:
                try:
                    latest = await latest_bucket(js, self.settings)
                except BucketNotFoundError:
                    latest = None
            start = DeliverPolicy.ALL, None
            if self.snapshots.is_empty():
                start = await self._restore(js, latest)
            sub = await js.pull_subscribe(
                SUBJECT, durable=self.settings.durable, stream=self.settings.stream,
                config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, deliver_policy=start[0], opt_start_seq=start[1],
                                      ack_wait=60, max_ack_pending=self.settings.batch * 4))
            self.ready.set()
            mirror = asyncio.create_task(self._mirror_every(latest, stop)) if latest is not None else None
            try:
                while not stop.is_set():
                    if mirror is not None and mirror.done():
                        mirror.result()  # the bucket failed: start a new session
                    try:
                        msgs = await sub.fetch(self.settings.batch, timeout=FETCH_SECONDS)
                    except asyncio.TimeoutError:
                        # Nothing new. nats-py raises its own TimeoutError or, now and then, a bare
                        # asyncio.TimeoutError (its parent class, which `except nats.errors.TimeoutError`
                        # misses): both mean "no messages", not "no NATS".
                        self.stats.fetch_timeouts += 1
                        continue
                    await self.handle(js, msgs)
            finally:
                if mirror is not None:
                    mirror.cancel()
                    with contextlib.suppress(BaseException):
                        await mirror
            if latest is not None:
                await self.mirror(latest)
            return True
        finally:
            await nc.close()

    async def _mirror_every(self, latest: KeyValue, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.mirror(latest)
            await asyncio.sleep(self.settings.mirror_seconds)

    async def mirror(self, latest: KeyValue) -> int:
        """Put what was kept since the last time into the hub's bucket: at most one put per district and
        period per interval, however fast snapshots arrive. What is not mirrored yet is marked in the
        store, so a crash loses nothing: it is put after the restart (and the arrivals still hold it)."""
        done, through = 0, self.settled_through
        while rows := await asyncio.to_thread(self.snapshots.unmirrored, 500):
            await asyncio.gather(*(latest.put(latest_key(d, p), body) for d, p, _, _, body in rows))  # type: ignore[arg-type]
            await asyncio.to_thread(self.snapshots.mark_mirrored, [(d, p, us, seq) for d, p, us, seq, _ in rows])
            done += len(rows)
        if through > self.mirrored_through:
            # Everything up to this arrival is in the bucket now: a fresh aggregator re-reads only what follows.
            await latest.put(POSITION_KEY, str(through).encode())
            self.mirrored_through = through
        self.stats.mirrored += done
        return done

    async def _restore(self, js: JetStreamContext, latest: KeyValue | None) -> tuple[DeliverPolicy, int | None]:
        """An empty store (a new volume): take the latest snapshots from the hub's bucket, then re-read
        the arrivals the bucket may lack — those after its recorded position, or all (at most a day)."""
        restored, position, started = 0, None, time.monotonic()
        if latest is not None:
            batch: list[tuple[DistrictAggregatesPublished, bytes]] = []
            for key, value in await latest_entries(js, self.settings):
                if key == POSITION_KEY:
                    position = int(value)
                elif value:
                    batch.append((read_body(value) or DistrictAggregatesPublished.model_validate_json(value), value))
            for i in range(0, len(batch), 500):
                await asyncio.to_thread(self.snapshots.keep_batch, batch[i:i + 500], mirrored=True)
            restored = len(batch)
        try:
            await js.delete_consumer(self.settings.stream, self.settings.durable)
        except NotFoundError:
            pass
        log.info("national aggregator: empty store, %d snapshots from the hub's bucket in %.1f s; re-reading "
                 "arrivals from %s", restored, time.monotonic() - started,
                 "the start" if position is None else f"sequence {position + 1}")
        return (DeliverPolicy.ALL, None) if position is None else (DeliverPolicy.BY_START_SEQUENCE, position + 1)

    async def handle(self, js: JetStreamContext, msgs: list[Msg]) -> None:
        """Keep the valid snapshots of a batch in one commit, then ack; dead-letter the rest with the reason."""
        accepted: list[tuple[DistrictAggregatesPublished, bytes]] = []
        valid: list[Msg] = []
        for msg in msgs:
            try:
                accepted.append((read_snapshot(msg.subject, msg.headers, msg.data), msg.data))
                valid.append(msg)
            except EnvelopeError as e:
                await self.dead_letter(js, msg, str(e))
        if accepted:
            await asyncio.to_thread(self.snapshots.keep_batch, accepted)
            self.stats.absorbed += len(accepted)
        for msg in valid:
            await msg.ack()
        if msgs:
            self.settled_through = max(self.settled_through, msgs[-1].metadata.sequence.stream)

    async def dead_letter(self, js: JetStreamContext, msg: Msg, reason: str) -> None:
        """Publish to the dead-letter subject with the reason, then ack. If that fails (no dead-letter
        stream on the hub), try again later, but terminate the message after ``max_deliveries``: a
        poison message is never redelivered forever."""
        district = msg.subject.split(".")[1]
        try:
            await js.publish(dead_letter_subject(district, self.settings.durable), msg.data, timeout=5,
                             headers={**(msg.headers or {}), HEADER_DL_REASON: reason[:1000]})
        except Exception as e:  # noqa: BLE001 - whatever it is, the message must not loop
            delivered = msg.metadata.num_delivered or 1
            if delivered >= self.settings.max_deliveries:
                log.error("national aggregator: message %s from district %s terminated after %d deliveries, its dead "
                          "letter could not be stored (%s); reason: %s", msg.metadata.sequence.stream, district,
                          delivered, type(e).__name__, reason)
                self.stats.terminated += 1
                await msg.term()
            else:
                log.warning("national aggregator: dead letter not stored (%s), delivery %d of %d; reason: %s",
                            type(e).__name__, delivered, self.settings.max_deliveries, reason)
                await msg.nak(delay=min(2.0 ** delivered, 30.0))
            return
        self.stats.dead_lettered += 1
        await msg.ack()


async def consume_forever(settings: NationalSettings, snapshots: Snapshots, stop: asyncio.Event) -> None:
    await Aggregator(settings, snapshots).run(stop)
