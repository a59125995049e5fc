"""Outbox relay: publishes contract events from a service's stored notification log to JetStream.

Nothing is published that was not stored; nothing stored is lost. The relay reads notifications in
order after the last position it recorded, translates the public ones to contract events and
publishes each with ``Nats-Msg-Id`` derived from the event's identity.

Publishes are pipelined: up to ``window`` of them await the stream's acknowledgement at once (an
awaited publish per event waits one fsync of the stream each time; ~4,400/s here against ~30,000/s
pipelined). They go out in order on one connection, so the stream stores them in order. The position
only ever moves past a contiguous prefix of acknowledged events: if publish k fails while k+1 was
acknowledged, the relay records k-1 and starts again from k, and k+1 is then de-duplicated by its
``Nats-Msg-Id``. So only a broker failure can put an event behind later ones, and then by less than
one window; consumers track exact ids (never "the highest id so far"), as they must anyway for
redeliveries, so nothing is lost or applied twice.

The position is kept in memory and written to the store at most once every ``record_seconds`` while
events flow (and as soon as the relay falls idle): writing it after every batch was one more committed
transaction, with its fsync, for every batch the service's own consumers commit. It is still read
before every batch, so replicas sharing a store skip what another replica's relay recorded. After a crash the
relay re-publishes what it published since the last recorded position (at most ``record_seconds``
and one batch of events), which JetStream's duplicate window (hours) and the consumers' exact-id
tracking both absorb.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, IntegrityError, Tracking, TrackingRecorder
from eventsourcing.utils import Environment
from nats.js import JetStreamContext
from opentelemetry import trace
from slrt_contracts import ContractEvent
from slrt_contracts.envelope import HEADER_NOTIFICATION_ID, HEADER_UPSTREAM, encode

from .eventstore import ServiceApplication, persistence_env, trace_headers_of
from .telemetry import current_trace_headers, span
from .worker import Worker

log = logging.getLogger(__name__)

_EVENT_ID_NS = uuid.UUID("6f1d2c1e-5b7a-4c65-9d0e-3d7c8e2a9b10")

Translator = Callable[[Any], ContractEvent | None]
"""Maps a stored domain event to its contract event, or None when the event is private."""


def event_id(upstream: str, originator_id: uuid.UUID, originator_version: int) -> str:
    """The event's identity as a stable id: the same stored event always gets the same id."""
    return str(uuid.uuid5(_EVENT_ID_NS, f"{upstream}:{originator_id}:{originator_version}"))


RELAY_POSITION_CONNECTIONS = 1  # PostgreSQL connections of the relay's position store


def relay_position_recorder(app: ServiceApplication) -> TrackingRecorder:
    """Where the relay records how far it got: a single-row tracking table of its own store."""
    name = f"{app.name.lower()}_outbox"
    env = persistence_env(app.settings, name, single_row_tracking=True)
    # One relay thread uses it: one connection (the library's default pool keeps 5 open, up to 15).
    env |= {"POSTGRES_POOL_SIZE": str(RELAY_POSITION_CONNECTIONS), "POSTGRES_MAX_OVERFLOW": "0"}
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
        window: int = 256,
        ack_seconds: float = 5.0,
        record_seconds: float = 1.0,
    ) -> None:
        self.app = app
        self.upstream = app.name.lower()
        self.translate = translate
        self.jetstream = jetstream
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.window = window
        self.ack_seconds = ack_seconds
        self.position = position or relay_position_recorder(app)
        self.record_seconds = record_seconds
        self._reached: int | None = None
        """Last notification id moved past (in memory; None: read the recorded position)."""
        self._recorded: int | None = None
        self._recorded_at = 0.0
        self._wake = asyncio.Event()
        self._worker = Worker(f"slrt-relay-{self.upstream}")
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
        try:
            while True:
                try:
                    while await self.publish_batch(record=False):
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
                except TimeoutError:  # idle: record where it got
                    await self._record(due_only=False)
        finally:
            with contextlib.suppress(Exception):  # stopping: save re-publishing at the next start
                self._record_position_now()

    async def publish_batch(self, *, record: bool = True) -> int:
        """Publish the next batch; returns how many notifications it moved past (0 = caught up).

        The position is recorded before returning, or with ``record=False`` only when
        ``record_seconds`` have passed since it last was (the run loop's way)."""
        js = self.jetstream()
        if js is None:
            raise ConnectionError("not connected to NATS")
        batch = await self._worker.run(self._read_batch)
        if not batch:
            return 0
        acknowledged, failure = await self._publish_pipelined(js, batch)
        if acknowledged is not None:
            self._reached = acknowledged
        await self._record(due_only=not record and failure is None)
        if failure is not None:
            raise failure
        return len(batch)

    async def _record(self, *, due_only: bool) -> None:
        if self._reached is None or self._reached == self._recorded:
            return
        if due_only and time.monotonic() - self._recorded_at < self.record_seconds:
            return
        await self._worker.run(self._record_position_now)

    async def _publish_pipelined(
        self, js: JetStreamContext, batch: list[tuple[int, Any, ContractEvent | None]]
    ) -> tuple[int | None, Exception | None]:
        """Publish the batch's contract events with up to ``window`` acknowledgements outstanding.

        Returns the last notification id of the acknowledged prefix (private events count as done
        once everything before them is) and the failure that stopped the batch, if any."""
        in_flight: deque[tuple[int, asyncio.Future[Any] | None]] = deque()
        outstanding, done = 0, None

        async def settle_oldest() -> None:
            nonlocal outstanding, done
            notification_id, ack = in_flight[0]
            if ack is not None:
                await asyncio.wait_for(ack, self.ack_seconds)  # raises on a negative ack or time-out
                outstanding -= 1
                self.published += 1
            in_flight.popleft()
            done = notification_id

        try:
            for notification_id, domain_event, contract in batch:
                ack = None
                if contract is not None:
                    if not js._nc.is_connected:  # noqa: SLF001 - see below
                        # nats-py would buffer this publish and send it after the reconnection, ahead
                        # of any earlier one the broken connection lost: stop here, resend from the gap.
                        raise ConnectionError("connection to NATS lost")
                    ack = await self._send(js, contract, domain_event, notification_id)
                    outstanding += 1
                in_flight.append((notification_id, ack))
                while in_flight and (outstanding >= self.window or in_flight[0][1] is None
                                     or in_flight[0][1].done()):
                    await settle_oldest()
            while in_flight:
                await settle_oldest()
        except Exception as e:  # noqa: BLE001 - reported to the caller after the prefix is recorded
            for _, ack in in_flight:
                if ack is not None:
                    ack.cancel()  # frees nats-py's slot; the event is sent again from this position
            return done, e
        return done, None

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
            batch = await self._worker.run(self._read_range, position, stop)
            if not batch:
                return published
            before = self.published
            _, failure = await self._publish_pipelined(js, batch)
            published += self.published - before
            if failure is not None:
                raise failure
            position = batch[-1][0] + 1

    def _read_range(self, start: int, stop: int | None) -> list[tuple[int, Any, ContractEvent | None]]:
        batch = []
        for notification in self.app.recorder.select_notifications(start, self.batch_size, stop):
            domain_event = self.app.mapper.to_domain_event(notification)
            batch.append((notification.id, domain_event, self.translate(domain_event)))
        return batch

    def lag(self) -> int:
        """Events stored but not yet moved past (blocking: reads the store)."""
        stored = self.app.recorder.max_notification_id() or 0
        return max(stored - self._last(), 0)

    def _last(self) -> int:
        # Read each time: where another replica's relay got (pods share the store) is skipped here.
        stored = self.position.max_tracking_id(self.upstream) or 0
        if self._reached is None or stored > self._reached:
            self._reached = stored
        if self._recorded is None or stored > self._recorded:
            self._recorded = stored
        return self._reached

    def _record_position_now(self) -> None:
        reached = self._reached
        if reached is None or reached == self._recorded:
            return
        try:
            self.position.insert_tracking(Tracking(self.upstream, reached))
        except IntegrityError:
            pass  # another replica's relay already recorded a later position: fine, it moves forward
        self._recorded, self._recorded_at = reached, time.monotonic()

    def _read_batch(self) -> list[tuple[int, Any, ContractEvent | None]]:
        """Blocking part, run in a worker thread: read notifications and translate them
        (a translator may read the aggregate from the store)."""
        return self._read_range(self._last() + 1, None)

    async def _send(self, js: JetStreamContext, contract: ContractEvent, domain_event: Any,
                    notification_id: int) -> asyncio.Future[Any]:
        """Send one event; the returned future resolves with the stream's acknowledgement."""
        with span(f"publish {contract.event_name}", trace_headers_of(domain_event), trace.SpanKind.PRODUCER):
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
            # No wait_stall: nats-py's own limit (4,000) is above the window, and its wait would yield
            # between the connection check above and the send.
            return await js.publish_async(subject, body, headers=headers)
