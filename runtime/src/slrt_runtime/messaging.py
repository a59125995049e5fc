"""A service's link to NATS: connect (retrying while NATS is down), provision streams, start the
tracked consumers and the outbox relay. HTTP commands never wait for any of this."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re

from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from .consumers import TrackedConsumer
from .eventstore import ServiceApplication
from .outbox import OutboxRelay, Translator
from .settings import ServiceSettings
from .streams import ensure_streams

log = logging.getLogger(__name__)


def redact_url(url: str) -> str:
    """The NATS URL without the credentials a deployment may put in it (nats://user:password@host)."""
    return re.sub(r"//[^/@]*@", "//***@", url)


class ServiceMessaging:
    def __init__(self, service: str, settings: ServiceSettings) -> None:
        self.service = service
        self.settings = settings
        self.consumers: list[TrackedConsumer] = []
        self.relays: list[OutboxRelay] = []
        self.broker: NatsBroker | None = None
        self._js: JetStreamContext | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.connected = asyncio.Event()

    def add_consumer(self, consumer: TrackedConsumer) -> None:
        self.consumers.append(consumer)

    def add_relay(self, app: ServiceApplication, translate: Translator) -> OutboxRelay:
        relay = OutboxRelay(
            app, translate, lambda: self._js,
            batch_size=self.settings.relay_batch_size, poll_seconds=self.settings.relay_poll_seconds,
        )
        self.relays.append(relay)
        return relay

    def jetstream(self) -> JetStreamContext | None:
        return self._js

    async def start(self) -> None:
        # The relays start once connected (below): started with the service they would only find NATS
        # missing and warn about it at every start. Nothing waits meanwhile: a relay reads from its
        # recorded position, so events stored before the connection go out when it starts.
        self._tasks.append(asyncio.create_task(self._connect_forever(), name=f"{self.service}-nats"))

    async def _connect_forever(self) -> None:
        backoff = 0.5
        while True:
            broker = NatsBroker(
                self.settings.nats_url,
                name=f"slrt-{self.service}",
                max_reconnect_attempts=-1,  # once connected, nats-py reconnects by itself
                reconnect_time_wait=1,
                connect_timeout=2,
                logger=logging.getLogger(f"slrt.{self.service}.faststream"),
                # FastStream logs "Received" and "Processed" for every message at this level: at INFO
                # that is two lines per message under load. DEBUG keeps them for SLRT_LOG_LEVEL=DEBUG;
                # connection events and handler errors keep their own levels (INFO, ERROR).
                log_level=logging.DEBUG,
            )
            try:
                await broker.connect()
                js = broker.connection.jetstream()
                await ensure_streams(js, self.settings)
                await broker.start()
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await broker.stop()
                raise
            except Exception as e:  # noqa: BLE001 - NATS not there yet: commands still work, retry
                log.warning("%s: NATS at %s not available (%s); retrying", self.service,
                            redact_url(self.settings.nats_url), e)
                with contextlib.suppress(Exception):
                    await broker.stop()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            self.broker, self._js = broker, js
            # The consumers' fetch loops are the runtime's own (nats-py pull subscriptions on the
            # broker's connection): they fetch, commit and acknowledge whole batches.
            for consumer in self.consumers:
                self._tasks.append(asyncio.create_task(consumer.run(js), name=f"{self.service}-{consumer.name}"))
            for relay in self.relays:
                self._tasks.append(asyncio.create_task(relay.run(), name=f"{self.service}-relay"))
            self.connected.set()
            log.info("%s: connected to NATS at %s", self.service, redact_url(self.settings.nats_url))
            return

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self.broker is not None:
            with contextlib.suppress(Exception):
                await self.broker.stop()
        self.broker, self._js = None, None
        self.connected.clear()
