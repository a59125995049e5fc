"""Outbox relay: publishes contract events from a service's stored notification log to JetStream.

Nothing is published that was not stored; nothing stored is lost. The relay reads notifications in
order after the last position it recorded, translates the public ones to contract events and
publishes each with ``Nats-Msg-Id`` derived from the event's identity, awaiting the stream's
acknowledgement. It records its position after each batch; after a crash it re-publishes at most
one batch, which JetStream's duplicate window and the consumers' tracking both absorb.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, IntegrityError, Tracking, TrackingRecorder
from eventsourcing.utils import Environment
from nats.js import JetStreamContext
from opentelemetry import trace
from slrt_contracts import ContractEvent
from slrt_contracts.envelope import HEADER_NOTIFICATION_ID, HEADER_UPSTREAM, encode

from .eventstore import ServiceApplication, persistence_env, trace_headers_of
from .telemetry import context_from_headers, current_trace_headers, tracer

log = logging.getLogger(__name__)

_EVENT_ID_NS = uuid.UUID("6f1d2c1e-5b7a-4c65-9d0e-3d7c8e2a9b10")

Translator = Callable[[Any], ContractEvent | None]
"""Maps a stored domain event to its contract event, or None when the event is private."""


def event_id(upstream: str, originator_id: uuid.UUID, originator_version: int) -> str:
    """The event's identity as a stable id: the same stored event always gets the same id."""
    return str(uuid.uuid5(_EVENT_ID_NS, f"{upstream}:{originator_id}:{originator_version}"))


def relay_position_recorder(app: ServiceApplication) -> TrackingRecorder:
    """Where the relay records how far it got: a single-row tracking table of its own store."""
    name = f"{app.name.lower()}_outbox"
    env = persistence_env(app.settings, name, single_row_tracking=True)
    return InfrastructureFactory.construct(Environment(name, env)).tracking_recorder()


class OutboxRelay:
    def __init__(
        self,
        app: ServiceApplication,
        translate: Translator,
        jetstream: Callable[[], JetStreamContext | None],
        *,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        position: TrackingRecorder | None = None,
    ) -> None:
        self.app = app
        self.upstream = app.name.lower()
        self.translate = translate
        self.jetstream = jetstream
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.position = position or relay_position_recorder(app)
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.published = 0

    def wake(self) -> None:
        """Thread-safe: called after each save so new events go out without waiting for a poll."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.app.add_save_listener(self.wake)
        backoff = 0.5
        while True:
            try:
                while await self.publish_batch():
                    pass
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - NATS down, timeouts: keep the events, retry
                log.warning("outbox relay of %s paused: %s: %s", self.upstream, type(e).__name__, e)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass

    async def publish_batch(self) -> int:
        """Publish the next batch; returns how many notifications it moved past (0 = caught up)."""
        js = self.jetstream()
        if js is None:
            raise ConnectionError("not connected to NATS")
        batch = await asyncio.to_thread(self._read_batch)
        if not batch:
            return 0
        for notification_id, domain_event, contract in batch:
            if contract is not None:
                await self._publish(js, contract, domain_event, notification_id)
        await asyncio.to_thread(self._record_position, batch[-1][0])
        return len(batch)

    async def republish(self, start: int, stop: int | None = None) -> int:
        """Publish the stored events from notification ``start`` (to ``stop``, inclusive) again.

        For a broker that lost its streams (a restore from an old backup, a new cluster): the
        events keep their ids, so anything the stream still holds is de-duplicated and every
        platform consumer skips what it has already processed. The relay's position is not moved.
        """
        js = self.jetstream()
        if js is None:
            raise ConnectionError("not connected to NATS")
        published, position = 0, start
        while True:
            batch = await asyncio.to_thread(self._read_range, position, stop)
            if not batch:
                return published
            for notification_id, domain_event, contract in batch:
                if contract is not None:
                    await self._publish(js, contract, domain_event, notification_id)
                    published += 1
            position = batch[-1][0] + 1

    def _read_range(self, start: int, stop: int | None) -> list[tuple[int, Any, ContractEvent | None]]:
        batch = []
        for notification in self.app.recorder.select_notifications(start, self.batch_size, stop):
            domain_event = self.app.mapper.to_domain_event(notification)
            batch.append((notification.id, domain_event, self.translate(domain_event)))
        return batch

    def _record_position(self, notification_id: int) -> None:
        try:
            self.position.insert_tracking(Tracking(self.upstream, notification_id))
        except IntegrityError:
            pass  # another replica's relay already recorded a later position: fine, it moves forward

    def _read_batch(self) -> list[tuple[int, Any, ContractEvent | None]]:
        """Blocking part, run in a worker thread: read notifications and translate them
        (a translator may read the aggregate from the store)."""
        last = self.position.max_tracking_id(self.upstream) or 0
        return self._read_range(last + 1, None)

    async def _publish(self, js: JetStreamContext, contract: ContractEvent, domain_event: Any, notification_id: int) -> None:
        parent = context_from_headers(trace_headers_of(domain_event))
        with tracer().start_as_current_span(
            f"publish {contract.event_name}", context=parent, kind=trace.SpanKind.PRODUCER
        ):
            subject, body, headers = encode(
                contract,
                event_id=event_id(self.upstream, domain_event.originator_id, domain_event.originator_version),
                time=domain_event.timestamp,
                extra_headers={
                    HEADER_UPSTREAM: self.upstream,
                    HEADER_NOTIFICATION_ID: str(notification_id),
                    **current_trace_headers(),
                },
            )
            await js.publish(subject, body, headers=headers, timeout=5.0)
        self.published += 1
