"""Event store: eventsourcing applications configured from settings, with tracking for consumers.

The store's notification log is the outbox (see :mod:`slrt_runtime.outbox`). Consumers record the
upstream (service, notification id) they processed in the same transaction as their new events.
Tracking is *multi-row*: de-duplication by exact id, so a message redelivered after a later one was
processed still takes effect once (single-row tracking would silently drop it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Mapper,
    ProcessRecorder,
    StoredEvent,
    Tracking,
    Transcoder,
    Transcoding,
    TrackingRecorder,
)
from pydantic import BaseModel
from slrt_contracts import Actor, Region
from eventsourcing.popo import POPOFactory, POPOProcessRecorder
from eventsourcing.utils import get_topic

from .settings import Persistence, ServiceSettings
from .telemetry import current_trace_headers

META_KEY = "_slrt_trace"
"""Key under which the trace context of the command is stored beside each event's state."""


class TracingMapper(Mapper):
    """Stores the active trace context with every event, so the outbox relay, which publishes
    later and from another task, can continue the command's trace across NATS."""

    def __init__(self, transcoder: Transcoder, compressor: Any = None, cipher: Any = None) -> None:
        super().__init__(transcoder, compressor, cipher)

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        headers = current_trace_headers()
        if not headers:
            return super().to_stored_event(domain_event)
        # Events are frozen dataclasses: wrap the state rather than mutate the event.
        proxy = object.__new__(type(domain_event))
        object.__setattr__(proxy, "__dict__", {**vars(domain_event), META_KEY: headers})
        return super().to_stored_event(proxy)


def trace_headers_of(domain_event: Any) -> dict[str, str]:
    return dict(getattr(domain_event, META_KEY, None) or {})


class MultiRowPOPOProcessRecorder(POPOProcessRecorder):
    """In-memory recorder with the same exact-id tracking semantics as the SQL recorders."""

    def __init__(self) -> None:
        super().__init__()
        self._tracked: set[tuple[str, int]] = set()

    def _assert_tracking_uniqueness(self, tracking: Tracking) -> None:
        if (tracking.application_name, tracking.notification_id) in self._tracked:
            raise IntegrityError(f"{tracking.application_name} {tracking.notification_id} already tracked")

    def _insert_tracking(self, tracking: Tracking) -> None:
        self._tracked.add((tracking.application_name, tracking.notification_id))
        current = self._max_tracking_ids[tracking.application_name]
        if current is None or tracking.notification_id > current:
            self._max_tracking_ids[tracking.application_name] = tracking.notification_id

    def has_exact(self, application_name: str, notification_id: int) -> bool:
        with self._database_lock:
            return (application_name, notification_id) in self._tracked


def persistence_env(settings: ServiceSettings, name: str, *, single_row_tracking: bool = False) -> dict[str, str]:
    """The eventsourcing environment for one store named ``name``."""
    env = {
        "MAPPER_TOPIC": get_topic(TracingMapper),
        "SINGLE_ROW_TRACKING": "t" if single_row_tracking else "f",
    }
    if settings.persistence is Persistence.SQLITE:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        env.update(
            PERSISTENCE_MODULE="eventsourcing.sqlite",
            SQLITE_DBNAME=str(settings.sqlite_path(name)),
            SQLITE_LOCK_TIMEOUT="10",
        )
    elif settings.persistence is Persistence.POSTGRES:
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_DBNAME=settings.postgres_dbname,
            POSTGRES_HOST=settings.postgres_host,
            POSTGRES_PORT=str(settings.postgres_port),
            POSTGRES_USER=settings.postgres_user,
            POSTGRES_PASSWORD=settings.postgres_password.get_secret_value(),
        )
        if settings.postgres_schema:
            env["POSTGRES_SCHEMA"] = settings.postgres_schema
    else:
        env["PERSISTENCE_MODULE"] = "eventsourcing.popo"
    return env


class PydanticTranscoding(Transcoding):
    """Stores a pydantic value object (Actor, Region...) inside domain events."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.type = model
        self.name = model.__name__

    def encode(self, obj: BaseModel) -> dict[str, Any]:
        return obj.model_dump(mode="json")

    def decode(self, data: dict[str, Any]) -> BaseModel:
        return self.type.model_validate(data)


class ServiceApplication(Application[UUID]):
    """Base of every service's application: a process recorder (events + tracking) and helpers
    for processing upstream events exactly once."""

    recorder: ProcessRecorder  # type: ignore[assignment]

    def __init__(self, settings: ServiceSettings | None = None, env: dict[str, str] | None = None) -> None:
        self.settings = settings or ServiceSettings()
        merged = persistence_env(self.settings, self.name.lower())
        merged.update(env or {})
        super().__init__(env=merged)
        self._listeners: list[Callable[[], None]] = []

    value_objects: tuple[type[BaseModel], ...] = (Actor, Region)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for model in self.value_objects:
            transcoder.register(PydanticTranscoding(model))

    def construct_recorder(self) -> ProcessRecorder:  # type: ignore[override]
        if isinstance(self.factory, POPOFactory):  # its process_recorder() ignores the topic setting
            return MultiRowPOPOProcessRecorder()
        return self.factory.process_recorder()

    # -- outbox wake-up -------------------------------------------------------------------
    def add_save_listener(self, listener: Callable[[], None]) -> None:
        """Called after each successful save (from the saving thread), to wake the relay."""
        self._listeners.append(listener)

    def _notify(self, recordings: Sequence[Any]) -> None:  # eventsourcing hook after a save
        super()._notify(recordings)
        if recordings:
            for listener in self._listeners:
                listener()

    # -- exactly-once processing of upstream events ------------------------------------------
    def is_processed(self, upstream: str, notification_id: int) -> bool:
        return has_exact_tracking(self.recorder, upstream, notification_id)

    def save_processed(self, upstream: str, notification_id: int, *aggregates: Aggregate | None) -> bool:
        """Save the aggregates' new events together with the tracking record, atomically.

        Returns False (and changes nothing) when this upstream notification was already processed.
        """
        tracking = Tracking(application_name=upstream, notification_id=notification_id)
        processing = ProcessingEvent[UUID](tracking=tracking)
        processing.collect_events(*aggregates)
        try:
            if processing.events:
                recordings = self._record(processing)
                self._take_snapshots(processing)
                self._notify(recordings)
            else:
                self.recorder.insert_tracking(tracking)
        except IntegrityError:
            if self.is_processed(upstream, notification_id):
                return False
            raise
        return True


def has_exact_tracking(recorder: TrackingRecorder, application_name: str, notification_id: int) -> bool:
    """Whether exactly this notification id was recorded (multi-row tracking).

    The library only answers "max id >= n", which is the wrong question once messages can be
    processed out of order.
    """
    if isinstance(recorder, MultiRowPOPOProcessRecorder):
        return recorder.has_exact(application_name, notification_id)
    datastore = recorder.datastore  # type: ignore[attr-defined]
    table = getattr(recorder, "tracking_table_name", "tracking")
    if type(datastore).__module__.startswith("eventsourcing.sqlite"):
        sql = f"SELECT 1 FROM {table} WHERE application_name=? AND notification_id=?"  # noqa: S608
    elif type(datastore).__module__.startswith("eventsourcing.postgres"):
        schema = datastore.schema
        qualified = f'"{schema}"."{table}"' if schema else f'"{table}"'
        sql = f"SELECT 1 FROM {qualified} WHERE application_name=%s AND notification_id=%s"  # noqa: S608
    else:
        raise TypeError(f"exact tracking is not supported on {type(recorder).__name__}")
    with datastore.transaction(commit=False) as c:
        c.execute(sql, (application_name, notification_id))
        return c.fetchone() is not None
