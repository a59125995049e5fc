"""A producer and a consumer application for the runtime's delivery tests (outbox, consumers), shared by
their test modules (pytest's importlib mode lets test modules import no test module)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from eventsourcing.domain import Aggregate, event
from slrt_contracts import Actor, Channel, ComplaintRegistered, ComplaintType, Region, Role, ServiceField

from .consumers import Delivery, TrackedConsumer
from .eventstore import ServiceApplication
from .settings import ServiceSettings


class Item(Aggregate):
    @event("Created")
    def __init__(self, district: str, n: int) -> None:
        self.district = district
        self.n = n


class Effect(Aggregate):
    """One per processed message; a second effect for the same message would be a bug."""

    @event("Happened")
    def __init__(self, receipt: str) -> None:
        self.receipt = receipt


class Producer(ServiceApplication):
    name = "Producer"


class Consumer(ServiceApplication):
    name = "Consumer"

    def effects(self) -> list[str]:
        return [n.state.decode() for n in self.recorder.select_notifications(1, 10_000)]


def contract_of(district: str) -> Callable[[object], ComplaintRegistered | None]:
    def translate(domain_event: object) -> ComplaintRegistered | None:
        if not isinstance(domain_event, Item.Created):
            return None
        village = f"{district}011001"
        return ComplaintRegistered(
            district=district, complaint_id=domain_event.originator_id, receipt_number=f"R-{domain_event.n}",
            registered_at=domain_event.timestamp, channel=Channel.FRONT_OFFICE,
            complaint_type=ComplaintType.QUESTION, field=ServiceField.SOCIAL,
            region=Region(district=district, subdistrict=village[:6], village=village),
            recorded_by=Actor(id="fo", role=Role.FRONT_OFFICE, region=district),
        )
    return translate


def settings_for(tmp_path: Path, url: str, district: str, **kw: object) -> ServiceSettings:
    return ServiceSettings(nats_url=url, district=district, data_dir=tmp_path / "data",
                           relay_poll_seconds=0.2, **kw)


async def eventually(check: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def consume_until(consumer: TrackedConsumer, settings: ServiceSettings, until: Callable[[], bool],
                        service: str = "consumer") -> None:
    """Run ``consumer`` as a service's messaging does, until ``until()`` holds."""
    from .messaging import ServiceMessaging  # the messaging imports the consumers: only when used

    messaging = ServiceMessaging(service, settings)
    messaging.add_consumer(consumer)
    await messaging.start()
    try:
        await eventually(until, what="the batch handled")
    finally:
        await messaging.stop()


def handler_saving_effects(app: Consumer) -> Callable[[Delivery], None]:
    def handle(delivery: Delivery) -> None:
        app.save_processed(delivery.upstream, delivery.notification_id, Effect(delivery.event.receipt_number))
    return handle

