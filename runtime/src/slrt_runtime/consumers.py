"""Tracked JetStream consumers: each message takes effect exactly once, or goes to dead-letter.

A handler is synchronous (eventsourcing is) and runs in a worker thread. It must record the
upstream notification id in the same transaction as its effect (``ServiceApplication.save_processed``
or a tracking read model); a redelivered message is then recognised and only acknowledged.
Messages that can never succeed (not an SLRT event, invalid body, a domain rule refusing it) go
straight to the dead-letter subject with the reason; other failures are retried with back-off and
dead-lettered after ``max_deliver`` attempts. The consumer keeps going either way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from opentelemetry import trace
from slrt_contracts import ContractEvent, EnvelopeError, decode
from slrt_contracts.envelope import CE_ID, NATS_MSG_ID
from slrt_contracts.streams import StreamSpec, dead_letter_subject

from .outbox import HEADER_NOTIFICATION_ID, HEADER_UPSTREAM
from .telemetry import context_from_headers, tracer

log = logging.getLogger(__name__)

HEADER_DL_REASON = "slrt-dead-letter-reason"
HEADER_DL_CONSUMER = "slrt-dead-letter-consumer"
HEADER_DL_SUBJECT = "slrt-dead-letter-subject"


class PermanentFailure(Exception):
    """This message will never be processed successfully; dead-letter it now."""


@dataclass(frozen=True)
class Delivery:
    upstream: str
    notification_id: int
    event: ContractEvent
    subject: str = ""
    """The subject the message came on (a handler may check it names the same addressee as the body)."""


Handler = Callable[[Delivery], object]

Position = Callable[[str, dict[str, str], ContractEvent], tuple[str, int]]
"""(subject, headers, event) -> (upstream, notification id) for messages that do not come from an SLRT
outbox (e.g. events agencies publish themselves): derive the exactly-once key from the message."""


@dataclass
class TrackedConsumer:
    name: str
    """Durable consumer name; one per (consuming service, upstream stream)."""
    stream: StreamSpec
    subject: str
    handle: Handler
    district: str
    accepts: tuple[type[ContractEvent], ...] = ()
    permanent_errors: tuple[type[Exception], ...] = ()
    max_deliver: int = 5
    ack_wait_seconds: float = 30.0
    batch_size: int = 16
    position: Position | None = None
    """Where the exactly-once key comes from; default: the outbox headers slrt-upstream / slrt-notification-id."""
    processed: int = 0
    dead_lettered: int = 0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def durable(self) -> str:
        """JetStream durable name; carries the district so districts sharing a server never collide."""
        return f"{self.name}-{self.district}"

    def register(self, broker: NatsBroker) -> None:
        broker.subscriber(
            self.subject,
            stream=JStream(self.stream.name, declare=False),
            durable=self.durable,
            pull_sub=PullSub(batch_size=self.batch_size, timeout=2.0),
            config=ConsumerConfig(
                durable_name=self.durable,
                ack_policy=JsAckPolicy.EXPLICIT,
                ack_wait=self.ack_wait_seconds,
                deliver_policy=DeliverPolicy.ALL,
                max_ack_pending=1000,
            ),
            # FastStream's JetStream default terminates a failing message; we decide ourselves.
            ack_policy=AckPolicy.MANUAL,
        )(self.on_message)

    async def on_message(self, msg: NatsMessage) -> None:
        # Only the message is injected: FastStream must not decode (and possibly reject) the body.
        raw = msg.raw_message
        headers = dict(raw.headers or {})
        delivered = raw.metadata.num_delivered if raw.metadata else 1
        with tracer().start_as_current_span(
            f"consume {self.name}", context=context_from_headers(headers), kind=trace.SpanKind.CONSUMER
        ) as span:
            try:
                delivery = self._parse(headers, raw.data, raw.subject)
                # One message at a time per consumer: no self-inflicted version conflicts.
                async with self._lock:
                    await asyncio.to_thread(self.handle, delivery)
            except (EnvelopeError, PermanentFailure, *self.permanent_errors) as e:
                await self._dead_letter(msg, headers, f"{type(e).__name__}: {e}")
                await msg.ack()
            except Exception as e:  # noqa: BLE001
                span.record_exception(e)
                if delivered >= self.max_deliver:
                    await self._dead_letter(msg, headers, f"failed {delivered} times: {type(e).__name__}: {e}")
                    await msg.ack()
                else:
                    log.warning("%s: delivery %d failed, will retry: %s", self.name, delivered, type(e).__name__)
                    await msg.nack(delay=min(2.0**delivered, 30.0))
            else:
                await msg.ack()
                self.processed += 1

    def _parse(self, headers: dict[str, str], body: bytes, subject: str = "") -> Delivery:
        if self.position is None:
            try:
                upstream = headers[HEADER_UPSTREAM]
                notification_id = int(headers[HEADER_NOTIFICATION_ID])
            except (KeyError, ValueError):
                raise EnvelopeError(f"missing or bad {HEADER_UPSTREAM}/{HEADER_NOTIFICATION_ID} headers") from None
        event = decode(headers, body)
        if self.accepts and not isinstance(event, self.accepts):
            raise PermanentFailure(f"{self.name} does not handle {event.ce_type()}")
        if self.position is not None:
            upstream, notification_id = self.position(subject, headers, event)
        return Delivery(upstream=upstream, notification_id=notification_id, event=event, subject=subject)

    async def _dead_letter(self, msg: NatsMessage, headers: dict[str, str], reason: str) -> None:
        raw = msg.raw_message
        original_id = headers.get(NATS_MSG_ID) or headers.get(CE_ID) or f"seq-{raw.metadata.sequence.stream}"
        dl_headers = {
            **headers,
            HEADER_DL_REASON: reason[:1000],
            HEADER_DL_CONSUMER: self.name,
            HEADER_DL_SUBJECT: raw.subject,
            NATS_MSG_ID: f"{original_id}:dl:{self.name}",
        }
        js = msg.raw_message._client.jetstream()  # noqa: SLF001 - same connection the message came on
        # If this publish fails the message is not acked, so it is redelivered: nothing is lost.
        await js.publish(dead_letter_subject(self.district, self.name), raw.data, headers=dl_headers, timeout=5.0)
        self.dead_lettered += 1
        log.error("%s: dead-lettered a message from %s: %s", self.name, raw.subject, reason)
