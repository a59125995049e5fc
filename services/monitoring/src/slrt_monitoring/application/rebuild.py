"""Rebuild the read models from the JetStream streams: replay every producer stream from the start
into a fresh generation, catch up to the tail under the live projector's lock, swap it in.

The replay applies events in large batches (one transaction per batch, tracking rows included), which
is also how the benchmark measures catch-up. Progress and lag are kept in :class:`Progress`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from slrt_contracts.envelope import CE_ID, CE_TYPE
from slrt_contracts.streams import PRODUCER_STREAMS
from slrt_runtime.outbox import HEADER_NOTIFICATION_ID, HEADER_UPSTREAM

from ..projections.engine import Projector
from ..projections.sources import SOURCE_PRODUCERS, known_type
from ..projections.worker import ProjectorProcess, Raw, decode_raw
from .readmodel import ReadModels

BATCH = 5000


@dataclass
class Progress:
    state: str = "idle"  # idle | replaying | swapping | done | failed
    generation: int | None = None
    streams: dict[str, dict[str, int]] = field(default_factory=dict)  # stream → {applied, total, lag}
    started: float | None = None
    finished: float | None = None
    error: str | None = None

    @property
    def applied(self) -> int:
        return sum(s["read"] for s in self.streams.values())

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        elapsed = (self.finished or time.time()) - self.started if self.started else 0.0
        d.update(read=self.applied, total=sum(s["total"] for s in self.streams.values()),
                 lag=sum(s["lag"] for s in self.streams.values()), elapsed_seconds=round(elapsed, 2),
                 events_per_second=round(self.applied / elapsed) if elapsed else 0)
        return d


def to_raw(headers: dict[str, str] | None, body: bytes) -> Raw | None:
    """A stored message as the live consumer would take it; None for what live would not apply."""
    headers = headers or {}
    if not known_type(headers) or not headers.get(CE_ID):
        return None  # unknown types are ignored live; messages without an id are dead-lettered live
    try:
        return headers[CE_TYPE], headers[HEADER_UPSTREAM], int(headers[HEADER_NOTIFICATION_ID]), body
    except (KeyError, ValueError):
        return None


async def _open_stream(js: JetStreamContext, district: str, producer: str, progress: Progress,
                       after: int) -> tuple[Any, dict[str, int]]:
    """An ephemeral pull consumer on one stream from after sequence ``after`` (0: the start), and its
    entry in the progress (the last sequence read is kept in it)."""
    spec = PRODUCER_STREAMS[producer]
    start = ({"deliver_policy": DeliverPolicy.BY_START_SEQUENCE, "opt_start_seq": after + 1} if after
             else {"deliver_policy": DeliverPolicy.ALL})
    sub = await js.pull_subscribe(
        f"slrt.{district}.{producer}.>", stream=spec.name,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, inactive_threshold=60.0, **start))
    info = await sub.consumer_info()
    progress.streams[spec.name] = {"read": 0, "total": info.num_pending, "lag": info.num_pending, "seq": after}
    return sub, progress.streams[spec.name]


async def replay_all(js: JetStreamContext, district: str, target: Projector | ProjectorProcess, progress: Progress,
                     batch: int = BATCH, after: dict[str, int] | None = None) -> None:
    """Replay every source stream into a projector (in this process) or a projector process, each from
    after the sequence given in ``after`` (by stream name; default: from the start), to its current end.

    The streams are read side by side, each batch a share of ``batch`` in proportion to the stream's
    size, so the replay moves through time on all of them at about the same pace: a complaint's
    registration, DTKS check and referral meet in the writer's cache of recent entities instead of
    being read back from the database once per stream (merge rules make the order between streams
    irrelevant to the result; within a stream it is kept)."""
    if isinstance(target, ProjectorProcess):
        apply = target.apply
    else:
        async def apply(rows: list[Raw]) -> None:
            await asyncio.to_thread(target.apply_batch, decode_raw(rows))

    streams = []
    try:
        for producer in SOURCE_PRODUCERS:
            name = PRODUCER_STREAMS[producer].name
            streams.append(await _open_stream(js, district, producer, progress, (after or {}).get(name, 0)))
        total = sum(entry["total"] for _, entry in streams) or 1
        shares = [max(100, batch * entry["total"] // total) for _, entry in streams]
        applying: asyncio.Future[Any] | None = None
        while any(entry["lag"] > 0 for _, entry in streams):
            for (sub, entry), share in zip(streams, shares, strict=True):
                if entry["lag"] <= 0:
                    continue
                try:
                    msgs = await sub.fetch(min(share, entry["lag"]), timeout=5.0)
                except NatsTimeout:
                    entry["lag"] = 0  # nothing more came: the stream's end as it was when the replay began
                    continue
                rows = [r for m in msgs if (r := to_raw(m.headers, m.data)) is not None]
                # Fetch the next batch while this one is applied (batches still apply in the order read).
                if applying is not None:
                    await applying
                applying = asyncio.ensure_future(apply(rows)) if rows else None
                entry["read"] += len(msgs)
                entry["seq"] = msgs[-1].metadata.sequence.stream
                entry["lag"] = msgs[-1].metadata.num_pending
                entry["total"] = entry["read"] + entry["lag"]
        if applying is not None:
            await applying
    finally:
        for sub, _ in streams:
            await sub.unsubscribe()
    if isinstance(target, ProjectorProcess):
        await target.finish()


async def rebuild(models: ReadModels, js: JetStreamContext, progress: Progress | None = None,
                  on_swapped: Callable[[], Awaitable[None] | None] | None = None) -> Progress:
    progress = progress or Progress()
    progress.state, progress.started, progress.error = "replaying", time.time(), None
    progress.streams.clear()
    try:
        n, store = await asyncio.to_thread(models.new_generation)
        progress.generation = n
        worker = ProjectorProcess(store.spec(bulk=True))
        try:
            await replay_all(js, models.settings.district, worker, progress)
        finally:
            await asyncio.to_thread(worker.close)
        await asyncio.to_thread(store.create)  # indexes a bulk writer left out
        fresh = Projector(store)
        progress.state = "swapping"
        # Stop live updates for the last stretch: whatever live applied before is in the streams now.
        # Other replicas' live writes wait too (PostgreSQL), and see the new pointer when they resume.
        lock = models.projector.lock
        await asyncio.to_thread(lock.acquire)
        try:
            exclusive = models.generations.exclusive()
            await asyncio.to_thread(exclusive.__enter__)
            try:
                read_up_to = {name: entry["seq"] for name, entry in progress.streams.items()}
                await replay_all(js, models.settings.district, fresh, Progress(), after=read_up_to)
                await asyncio.to_thread(models.swap, n, store)
            except BaseException as e:
                await asyncio.to_thread(exclusive.__exit__, type(e), e, e.__traceback__)
                raise
            await asyncio.to_thread(exclusive.__exit__, None, None, None)
        finally:
            lock.release()
        progress.state = "done"
        if on_swapped is not None and (result := on_swapped()) is not None:
            await result
    except Exception as e:
        progress.state, progress.error = "failed", f"{type(e).__name__}: {e}"
        raise
    finally:
        progress.finished = time.time()
    return progress
