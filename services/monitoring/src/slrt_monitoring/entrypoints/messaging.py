"""Monitoring's consumers: one durable consumer per producer stream, tolerant of event types it
does not know (a producer may publish a new event before monitoring's contracts are updated)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slrt_contracts.streams import PRODUCER_STREAMS
from slrt_runtime.consumers import Delivery, TrackedConsumer
from slrt_runtime.settings import ServiceSettings

from ..application.readmodel import ReadModels
from ..projections.sources import SOURCE_PRODUCERS, known_type

log = logging.getLogger(__name__)


@dataclass
class TolerantConsumer(TrackedConsumer):
    ignored: int = 0

    def ignores(self, headers: dict[str, str]) -> bool:
        if known_type(headers):
            return False
        self.ignored += 1
        log.debug("%s: ignoring an event type monitoring does not know", self.name)
        return True


def consumers(models: ReadModels, settings: ServiceSettings) -> list[TrackedConsumer]:
    def handle(delivery: Delivery) -> None:
        models.apply(delivery)

    return [
        TolerantConsumer(
            name=f"monitoring-{producer}", stream=PRODUCER_STREAMS[producer],
            subject=f"slrt.{settings.district}.{producer}.>", handle=handle, district=settings.district,
            max_deliver=settings.consumer_max_deliver, ack_wait_seconds=settings.consumer_ack_wait_seconds,
            # A fetched batch is applied in one read-model transaction with its tracking rows.
            batch_scope=models.batch, batch_size=256,
        )
        for producer in SOURCE_PRODUCERS
    ]
