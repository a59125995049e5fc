"""PostgreSQL recorders that leave no expected error in the server's log (slrt_runtime.pgrecorder):
a restart creates nothing twice, and a concurrent write of an aggregate version is refused with the
same IntegrityError and rollback as before, without the server logging a duplicate key.

Runs when a server is reachable (SLRT_TEST_POSTGRES_* or 127.0.0.1:5432 as postgres); the checks of
the server's log run where the log is readable (Debian's /var/log/postgresql)."""

from __future__ import annotations

import uuid

import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, StoredEvent
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.testing import PostgresServerLog

pytestmark = pytest.mark.postgres


class Effect(Aggregate):
    @event("Happened")
    def __init__(self, label: str) -> None:
        self.label = label


class Store(ServiceApplication):
    name = "PgQuiet"


def failed_statements(log: PostgresServerLog, schema: str) -> list[str]:
    """Statements of this test's schema the server refused (it logs each after its ERROR)."""
    return [ln for ln in log.lines() if "STATEMENT:" in ln and schema in ln]


def test_a_restart_creates_nothing_twice(postgres_settings: ServiceSettings) -> None:
    log = PostgresServerLog()
    first = Store(postgres_settings)
    first.save(Effect("one"))
    again = Store(postgres_settings)  # what every restart of a service does
    assert len(again.notification_log.select(1, 10)) == 1
    assert failed_statements(log, postgres_settings.postgres_schema) == []
    if not log.readable:
        pytest.skip("server log not readable: no ERROR checked, the restart itself passed")


def test_a_concurrent_version_is_refused_and_none_of_its_events_stored(postgres_settings: ServiceSettings) -> None:
    log = PostgresServerLog()
    store = Store(postgres_settings)
    effect = Effect("one")
    store.save(effect)
    stored = store.recorder.select_events(effect.id)
    assert len(stored) == 1
    taken = stored[0]
    new = StoredEvent(originator_id=effect.id, originator_version=taken.originator_version + 1,
                      topic=taken.topic, state=taken.state)
    other = StoredEvent(originator_id=uuid.uuid4(), originator_version=1, topic=taken.topic, state=taken.state)
    with pytest.raises(IntegrityError):
        store.recorder.insert_events([other, taken])  # `taken`: the version another command wrote first
    with pytest.raises(IntegrityError):
        store.recorder.insert_events([new, taken])
    # Nothing of a refused write is kept, and the next version is still free.
    assert store.recorder.select_events(other.originator_id) == []
    assert len(store.recorder.select_events(effect.id)) == 1
    store.recorder.insert_events([new])
    assert len(store.recorder.select_events(effect.id)) == 2
    assert failed_statements(log, postgres_settings.postgres_schema) == [], "a refused version is no ERROR in the log"
