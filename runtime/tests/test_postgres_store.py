"""The event store and exactly-once tracking on PostgreSQL (production backend).

Runs when a server is reachable (SLRT_TEST_POSTGRES_* or 127.0.0.1:5432 as postgres), skips with
the reason otherwise."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from eventsourcing.domain import Aggregate, event
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.numbering import save_with_next_number
from slrt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.postgres

HOST = os.environ.get("SLRT_TEST_POSTGRES_HOST", "127.0.0.1")
PORT = int(os.environ.get("SLRT_TEST_POSTGRES_PORT", "5432"))
USER = os.environ.get("SLRT_TEST_POSTGRES_USER", "postgres")
DBNAME = os.environ.get("SLRT_TEST_POSTGRES_DBNAME", "postgres")


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
def settings() -> Iterator[ServiceSettings]:
    try:
        conn = psycopg.connect(host=HOST, port=PORT, user=USER, dbname=DBNAME, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as e:
        pytest.skip(f"PostgreSQL not reachable at {HOST}:{PORT} ({e.__class__.__name__})")
    schema = f"slrt_test_{uuid.uuid4().hex[:10]}"
    conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield ServiceSettings(persistence="postgres", postgres_host=HOST, postgres_port=PORT, postgres_user=USER,
                              postgres_dbname=DBNAME, postgres_schema=schema)
    finally:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()


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
        return save_with_next_number(apps[i % 4], "receipt:9999:2026", lambda n: Numbered(n)).number

    with ThreadPoolExecutor(8) as pool:
        numbers = sorted(pool.map(take, range(24)))
    assert numbers == list(range(1, 25))
