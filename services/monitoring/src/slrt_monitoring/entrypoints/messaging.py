"""Monitoring's consumers: one durable consumer per producer stream, tolerant of event types it
does not know (a producer may publish a new event before monitoring's contracts are updated)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slrt_contracts import EVENTS_BY_TYPE
from slrt_contracts.envelope import CE_TYPE
from slrt_contracts.streams import PRODUCER_STREAMS
from slrt_runtime.consumers import Delivery, TrackedConsumer
from slrt_runtime.settings import ServiceSettings

from ..application.readmodel import ReadModels

log = logging.getLogger(__name__)

# Agencies publish their raw answers on the agency stream; the referral service turns them into
# ReferralAnswered, which monitoring reads. Its own aggregates (monitoring stream) are no input either.
SOURCE_PRODUCERS = tuple(p for p in PRODUCER_STREAMS if p not in ("monitoring", "agency"))


def known_type(headers: dict[str, str]) -> bool:
    """Unknown (newer) event types are acknowledged and ignored, never dead-lettered."""
    ce_type = headers.get(CE_TYPE)
    return not ce_type or ce_type in EVENTS_BY_TYPE  # no type at all is a bad message: dead-letter it


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
