"""Monitoring's consumers: one durable consumer per producer stream, tolerant of event types it
does not know (a producer may publish a new event before monitoring's contracts are updated).

When a consumer is behind (monitoring was paused, restarted, or slower than a burst), it fetches larger
batches and has them decoded and projected in the read models' catch-up decoder process and written by
their catch-up writer process, so that reading the stream, projecting and writing run side by side;
each batch is still one read-model transaction with its tracking rows, acknowledged after the commit. Anything unusual in such a batch (a message that does
not decode, lacks its headers, or fails to project; a failed write) sends the whole batch down the
ordinary path of :class:`TrackedConsumer`, which isolates and dead-letters the culprit.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from nats.aio.msg import Msg
from opentelemetry import trace
from slrt_contracts.envelope import CE_DATACONTENTTYPE, CONTENT_TYPE, DATA_CONTENT_TYPE
from slrt_contracts.streams import PRODUCER_STREAMS
from slrt_runtime.consumers import Delivery, TrackedConsumer
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.telemetry import span

from ..application.readmodel import ReadModels
from ..application.rebuild import to_raw
from ..projections.sources import SOURCE_PRODUCERS, known_type
from ..projections.worker import Raw

log = logging.getLogger(__name__)

LIVE_BATCH = 256
CATCH_UP_BATCH = 1000
"""Fetched while at least this many wait (the consumers' max_ack_pending: one batch in flight)."""
CATCH_UP_MIN = 500
"""A fetched batch at least this large goes through the catch-up processes; smaller ones (the steady
trickle of a running district) are handled in-process, as they come, without the hop."""


@dataclass
class TolerantConsumer(TrackedConsumer):
    ignored: int = 0
    models: ReadModels | None = None
    """With read models: catch up on a backlog through their catch-up processes (see the module's doc)."""
    caught_up: int = 0
    """Messages applied through the catch-up processes."""
    backlogs: dict[str, int] | None = None
    """Every sibling consumer's backlog (shared): see :meth:`_next_batch_size`."""

    def ignores(self, headers: dict[str, str]) -> bool:
        if known_type(headers):
            return False
        self.ignored += 1
        log.debug("%s: ignoring an event type monitoring does not know", self.name)
        return True

    async def process(self, msgs: list[Msg]) -> None:
        if self.backlogs is not None:
            self.backlogs[self.name] = self.pending
        behind = self.pending >= CATCH_UP_BATCH
        self.batch_size = self._next_batch_size() if behind else LIVE_BATCH
        if self.models is not None and behind:
            self.models.catch_up.start()
        if self.models is None or len(msgs) < CATCH_UP_MIN:
            await super().process(msgs)
            return
        kept, rows = [], []
        for msg in msgs:
            headers = msg.headers or {}
            if self.ignores(headers):
                await msg.ack()
                continue
            kept.append(msg)
            rows.append(_raw(headers, msg.data))
        if not kept:
            return
        if any(r is None for r in rows) or not await self._catch_up(rows):  # type: ignore[arg-type]
            await super().process(kept)  # ignored ones are not seen twice: they were acknowledged
            return
        for msg in kept:
            await msg.ack()
        self.processed += len(kept)
        self.caught_up += len(kept)

    def _next_batch_size(self) -> int:
        """While catching up, a share of the batch in proportion to this stream's backlog against the
        largest of its siblings'. The consumers take turns at the catch-up processes, so they then move
        through time at about the same pace: a complaint's registration, DTKS check and referral meet in
        the writer's cache of recent entities instead of being read back from the database (the streams
        differ in size: a stream read at the same rate as a larger one runs ahead of it in time)."""
        if not self.backlogs:
            return CATCH_UP_BATCH
        largest = max(self.backlogs.values())
        return max(CATCH_UP_MIN, min(CATCH_UP_BATCH, CATCH_UP_BATCH * self.pending // max(largest, 1)))

    async def _catch_up(self, rows: list[Raw]) -> bool:
        """Decode and project in the catch-up decoder process, write in its writer: True when committed."""
        assert self.models is not None
        models = self.models
        with span(f"catch up {self.name}", None, trace.SpanKind.CONSUMER) as current:
            current.set_attribute("messaging.batch.message_count", len(rows))
            try:
                data = await models.catch_up.project(rows)
                await asyncio.to_thread(models.write_projected, data)
            except Exception as e:  # noqa: BLE001 - nothing was committed (a write raises before its commit)
                current.record_exception(e)
                log.debug("%s: catch-up batch of %d not applied (%s); the ordinary path", self.name, len(rows),
                          type(e).__name__)
                return False
        return True


def _raw(headers: dict[str, str], body: bytes) -> Raw | None:
    """A message as the decoder process takes it; None for one the ordinary path must judge (missing
    headers, not JSON: dead-lettered there with the reason)."""
    content_type = headers.get(CE_DATACONTENTTYPE) or headers.get(CONTENT_TYPE) or DATA_CONTENT_TYPE
    if content_type.split(";")[0].strip().lower() != DATA_CONTENT_TYPE:
        return None
    return to_raw(headers, body)


def consumers(models: ReadModels, settings: ServiceSettings) -> list[TrackedConsumer]:
    def handle(delivery: Delivery) -> None:
        models.apply(delivery)

    backlogs: dict[str, int] = {}
    return [
        TolerantConsumer(
            name=f"monitoring-{producer}", stream=PRODUCER_STREAMS[producer],
            subject=f"slrt.{settings.district}.{producer}.>", handle=handle, district=settings.district,
            max_deliver=settings.consumer_max_deliver, ack_wait_seconds=settings.consumer_ack_wait_seconds,
            # A fetched batch is applied in one read-model transaction with its tracking rows.
            batch_scope=models.batch, batch_size=LIVE_BATCH, models=models, backlogs=backlogs,
        )
        for producer in SOURCE_PRODUCERS
    ]
