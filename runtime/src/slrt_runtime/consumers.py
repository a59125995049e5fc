"""Tracked JetStream consumers: each message takes effect exactly once, or goes to dead-letter.

A handler is synchronous (eventsourcing is) and runs in a worker thread. It must record the
upstream notification id in the same transaction as its effect (``ServiceApplication.save_processed``
or a tracking read model); a redelivered message is then recognised and only acknowledged.

Durable work is grouped: the consumer fetches a batch (a nats-py pull subscription of its own, not a
FastStream subscriber: per-message dispatch there cost two thirds of the consume rate) and hands the
whole batch to the handler inside the service's ``batch_scope``, which commits every effect and every
tracking row of the batch in ONE transaction when the scope is left normally. Only then are the
messages acknowledged. When the batch fails (one poison message, two messages changing the same
aggregate, a busy database), nothing of it was committed and the consumer falls back to one message
at a time, so a poison message is isolated: messages that can never succeed (not an SLRT event,
invalid body, a domain rule refusing it) go straight to the dead-letter subject with the reason;
other failures are retried with back-off and dead-lettered after ``max_deliver`` attempts. The
consumer keeps going either way, and the fetch loop never dies for good (nats-py 2.16's fetch can
raise a bare ``asyncio.TimeoutError``; NATS restarts and deleted consumers are waited out).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, Header, StatusCode
from nats.js.errors import APIError, NotFoundError
from opentelemetry import trace
from slrt_contracts import ContractEvent, EnvelopeError, decode
from slrt_contracts.envelope import CE_ID, HEADER_NOTIFICATION_ID, HEADER_UPSTREAM, NATS_MSG_ID
from slrt_contracts.streams import StreamSpec, dead_letter_subject

from .telemetry import span
from .worker import Worker

log = logging.getLogger(__name__)

HEADER_DL_REASON = "slrt-dead-letter-reason"
HEADER_DL_CONSUMER = "slrt-dead-letter-consumer"
HEADER_DL_SUBJECT = "slrt-dead-letter-subject"


class _Puller:
    """``fetch`` of a durable pull consumer, as nats-py's ``PullSubscription.fetch`` does it, but with
    the messages gathered by a subscription callback: nats-py awaits each message with ``next_msg``
    (a uuid4, a task and a ``wait_for`` per message: a tenth of a consumer process).

    One request per fetch, ``no_wait`` with ``expires``: the server holds it until messages exist,
    sends what there is (up to ``batch``) and ends it with a status message (404 no messages, 408
    expired), or says nothing more once ``batch`` were sent. Each request has a reply subject of its
    own, so the end of an earlier one (answered after its fetch gave up) ends nothing now; its late
    messages are still messages and go out with the next fetch."""

    def __init__(self, js: JetStreamContext, stream: str, durable: str) -> None:
        self._nc = js._nc  # noqa: SLF001 - the connection the JetStream context uses
        self._next = f"{js._prefix}.CONSUMER.MSG.NEXT.{stream}.{durable}"  # noqa: SLF001 - API prefix (domain)
        self._inbox = self._nc.new_inbox()
        self._sub: Any = None
        self._msgs: list[Msg] = []
        self._wanted, self._request = 0, 0
        self._done = asyncio.Event()
        self._error: Exception | None = None

    @classmethod
    async def start(cls, js: JetStreamContext, stream: str, durable: str, subject: str,
                    config: ConsumerConfig) -> _Puller:
        try:
            await js.consumer_info(stream, durable)
        except NotFoundError:
            # As nats-py's pull_subscribe creates it (which this replaces: its fetch is the slow part).
            config.filter_subject, config.name = subject, durable
            await js.add_consumer(stream, config=config)
        puller = cls(js, stream, durable)
        puller._sub = await puller._nc.subscribe(f"{puller._inbox}.*", cb=puller._arrived)
        return puller

    async def _arrived(self, msg: Msg) -> None:
        if msg.reply:  # a JetStream message: its reply subject is where it is acknowledged
            self._msgs.append(msg)
            if len(self._msgs) >= self._wanted:
                self._done.set()
            return
        status = (msg.headers or {}).get(Header.STATUS)
        if status == StatusCode.CONTROL_MESSAGE or msg.subject != f"{self._inbox}.{self._request}":
            return  # a heartbeat, or the end of a request given up on
        if status not in (StatusCode.NO_MESSAGES, StatusCode.REQUEST_TIMEOUT, StatusCode.CONFLICT):
            # No responders (the consumer or stream is gone), a bad request...: the caller starts over.
            try:
                APIError.from_msg(msg)  # raises the error the status stands for
            except APIError as e:
                self._error = e
            except Exception:  # noqa: BLE001 - a status without the description nats-py expects
                self._error = APIError(description=f"status {status}")
        self._done.set()

    async def fetch(self, batch: int, timeout: float) -> list[Msg]:
        """Up to ``batch`` messages, as soon as there are any; none after ``timeout`` seconds."""
        if not self._msgs:
            self._request += 1
            self._wanted, self._error = batch, None
            self._done.clear()
            request = {"batch": batch, "expires": int(timeout * 1e9) - 100_000, "no_wait": True}
            await self._nc.publish(self._next, json.dumps(request).encode(), reply=f"{self._inbox}.{self._request}")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._done.wait()
            if self._error is not None:
                raise self._error
        msgs, self._msgs = self._msgs, []
        return msgs

    async def unsubscribe(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()


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

BatchScope = Callable[[], AbstractContextManager[object]]
"""A unit of work around the handling of a whole batch (e.g. ``ServiceApplication.batch``): the
effects the handler saves inside it are committed together, with their tracking rows, when it is left
normally (raising, with nothing committed, if that fails), and discarded when it is left by an exception."""


def per_message() -> AbstractContextManager[object]:
    """No batch scope: every handler call commits its own effects (one transaction per message)."""
    return contextlib.nullcontext()


@dataclass
class _Item:
    msg: Msg
    headers: dict[str, str]
    delivery: Delivery


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
    batch_size: int = 64
    batch_scope: BatchScope = per_message
    """Supplied by the service's wiring; the default commits message by message."""
    fetch_seconds: float = 2.0
    position: Position | None = None
    """Where the exactly-once key comes from; default: the outbox headers slrt-upstream / slrt-notification-id."""
    processed: int = 0
    dead_lettered: int = 0
    batches_split: int = 0
    """Batches that failed as a whole and were handled one message at a time."""
    pending: int = 0
    """The consumer's lag: messages JetStream still held for it after the last one fetched."""
    _js: JetStreamContext | None = field(default=None, repr=False)
    _worker: Worker | None = field(default=None, repr=False)

    def _in_thread(self) -> Worker:
        """The consumer's own thread for the handler's blocking work (see slrt_runtime.worker)."""
        if self._worker is None:
            self._worker = Worker(f"slrt-consumer-{self.name}")
        return self._worker

    @property
    def durable(self) -> str:
        """JetStream durable name; carries the district so districts sharing a server never collide."""
        return f"{self.name}-{self.district}"

    def consumer_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait_seconds,
            deliver_policy=DeliverPolicy.ALL,
            max_ack_pending=1000,
        )

    def ignores(self, headers: dict[str, str]) -> bool:
        """Messages acknowledged without being handled (a subclass may ignore unknown event types)."""
        return False

    # -- the fetch loop ------------------------------------------------------------------------

    async def run(self, js: JetStreamContext) -> None:
        """Fetch and process batches until cancelled; every failure is waited out and retried."""
        self._js = js
        backoff = 0.5
        while True:
            sub = None
            try:
                sub = await _Puller.start(js, self.stream.name, self.durable, self.subject, self.consumer_config())
                while True:
                    msgs = await sub.fetch(self.batch_size, self.fetch_seconds)
                    if not msgs:  # nothing new
                        self.pending = 0
                        continue
                    with contextlib.suppress(Exception):  # metadata of a JetStream message
                        self.pending = msgs[-1].metadata.num_pending
                    await self.process(msgs)
                    backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - NATS restarting, consumer deleted...: never die
                log.warning("%s: fetching paused (%s: %s); retrying", self.name, type(e).__name__, e)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                if sub is not None:
                    with contextlib.suppress(Exception):
                        await sub.unsubscribe()

    async def process(self, msgs: list[Msg]) -> None:
        """Handle one fetched batch: together if it commits, else one message at a time."""
        items: list[_Item] = []
        for msg in msgs:
            headers = dict(msg.headers or {})
            if self.ignores(headers):
                await msg.ack()
                continue
            try:
                items.append(_Item(msg, headers, self._parse(headers, msg.data, msg.subject)))
            except Exception as e:  # noqa: BLE001
                await self._failed(msg, headers, e)
        if not items:
            return
        if len(items) > 1 and self.batch_scope is not per_message:
            try:
                await self._in_thread().run(self._handle_batch, items)
            except Exception as e:  # noqa: BLE001 - nothing of the batch was committed: isolate the culprit
                self.batches_split += 1
                log.debug("%s: batch of %d failed (%s); one message at a time", self.name, len(items),
                          type(e).__name__)
            else:
                for item in items:
                    await item.msg.ack()
                self.processed += len(items)
                return
        for item in items:
            await self._process_one(item)

    def _handle_batch(self, items: list[_Item]) -> None:
        with self.batch_scope():
            for item in items:
                self._handle_traced(item)

    def _handle_traced(self, item: _Item) -> None:
        with span(f"consume {self.name}", item.headers, trace.SpanKind.CONSUMER) as current:
            try:
                self.handle(item.delivery)
            except Exception as e:
                current.record_exception(e)
                raise

    async def _process_one(self, item: _Item) -> None:
        try:
            await self._in_thread().run(self._handle_traced, item)
        except Exception as e:  # noqa: BLE001
            await self._failed(item.msg, item.headers, e)
        else:
            await item.msg.ack()
            self.processed += 1

    async def _failed(self, msg: Msg, headers: dict[str, str], e: Exception) -> None:
        """Dead-letter what can never succeed (or has failed ``max_deliver`` times); retry the rest later."""
        if isinstance(e, (EnvelopeError, PermanentFailure, *self.permanent_errors)):
            await self._dead_letter(msg, headers, f"{type(e).__name__}: {e}")
            await msg.ack()
            return
        delivered = msg.metadata.num_delivered or 1
        if delivered >= self.max_deliver:
            await self._dead_letter(msg, headers, f"failed {delivered} times: {type(e).__name__}: {e}")
            await msg.ack()
        else:
            log.warning("%s: delivery %d failed, will retry: %s", self.name, delivered, type(e).__name__)
            await msg.nak(delay=min(2.0**delivered, 30.0))

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

    async def _dead_letter(self, msg: Msg, headers: dict[str, str], reason: str) -> None:
        original_id = headers.get(NATS_MSG_ID) or headers.get(CE_ID) or f"seq-{msg.metadata.sequence.stream}"
        dl_headers = {
            **headers,
            HEADER_DL_REASON: reason[:1000],
            HEADER_DL_CONSUMER: self.name,
            HEADER_DL_SUBJECT: msg.subject,
            NATS_MSG_ID: f"{original_id}:dl:{self.name}",
        }
        js = self._js or msg._client.jetstream()  # noqa: SLF001 - same connection the message came on
        # If this publish fails the message is not acked, so it is redelivered: nothing is lost.
        await js.publish(dead_letter_subject(self.district, self.name), msg.data, headers=dl_headers, timeout=5.0)
        self.dead_lettered += 1
        log.error("%s: dead-lettered a message from %s: %s", self.name, msg.subject, reason)
