"""The event store and exactly-once tracking on PostgreSQL (production backend).

Runs when a server is reachable (SLRT_TEST_POSTGRES_* or 127.0.0.1:5432 as postgres), skips with
the reason otherwise."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from eventsourcing.domain import Aggregate, event
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.postgres

class Effect(Aggregate):
    @event("Happened")
    def __init__(self, label: str) -> None:
        self.label = label


class Numbered(Aggregate):
    @event("Numbered")
    def __init__(self, number: int) -> None:
        self.number = number


class Store(ServiceApplication):
    name = "PgStore"


@pytest.fixture
def settings(postgres_settings: ServiceSettings) -> ServiceSettings:
    return postgres_settings


def test_events_survive_a_new_application_instance(settings: ServiceSettings) -> None:
    first = Store(settings)
    effect = Effect("registered")
    first.save(effect)
    second = Store(settings)
    assert second.repository.get(effect.id).label == "registered"
    assert second.recorder.max_notification_id() == 1


def test_out_of_order_and_duplicate_processing_on_postgres(settings: ServiceSettings) -> None:
    app = Store(settings)
    assert app.save_processed("intake", 5, Effect("five"))
    assert app.save_processed("intake", 4, Effect("four"))  # later id first, then the earlier one
    assert not app.save_processed("intake", 4, Effect("four again"))
    assert not app.save_processed("intake", 5, None)
    assert app.recorder.max_notification_id() == 2


def test_numbers_are_gap_free_under_concurrency_on_postgres(settings: ServiceSettings) -> None:
    apps = [Store(settings) for _ in range(4)]

    def take(i: int) -> int:
        return apps[i % 4].save_numbered(["receipt:9999:2026"], Numbered)[0].number

    with ThreadPoolExecutor(8) as pool:
        numbers = sorted(pool.map(take, range(24)))
    assert numbers == list(range(1, 25))
