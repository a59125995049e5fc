"""Event store: eventsourcing applications configured from settings, with tracking for consumers.

The store's notification log is the outbox (see :mod:`slrt_runtime.outbox`). Consumers record the
upstream (service, notification id) they processed in the same transaction as their new events.
Tracking is *multi-row*: de-duplication by exact id, so a message redelivered after a later one was
processed still takes effect once (single-row tracking would silently drop it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    Repository,
    project_aggregate,
)
from eventsourcing.application import ProcessingEvent as _LibraryProcessingEvent
from eventsourcing.domain import Aggregate, BaseAggregate, TAggregateID
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Mapper,
    Notification,
    Recording,
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

from .idempotency import AlreadyCarriedOut, RequestInProgress, current_call
from .numbering import NumberSequence
from .settings import Persistence, ServiceSettings
from .telemetry import current_trace_headers
from .transactions import CommandStore, Transaction, Written, command_store_for

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
            # The library's PostgreSQL recorders, minus the expected errors in the server log.
            PERSISTENCE_MODULE="slrt_runtime.pgrecorder:Factory",
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
    for processing upstream events exactly once.

    Every write goes through :meth:`_transact`: one database transaction holding the command's
    events, the numbers it takes, the tracking rows of the messages it processes and the
    request's idempotency record (:mod:`slrt_runtime.transactions`)."""

    recorder: ProcessRecorder  # type: ignore[assignment]

    def __init__(self, settings: ServiceSettings | None = None, env: dict[str, str] | None = None) -> None:
        self.settings = settings or ServiceSettings()
        merged = persistence_env(self.settings, self.name.lower())
        merged.update(env or {})
        super().__init__(env=merged)
        self._listeners: list[Callable[[], None]] = []
        self.commands: CommandStore = command_store_for(self.recorder)
        self._known_counters: set[str] = set()  # sequences this process has seeded already
        self._collecting: ContextVar[_Batch | None] = ContextVar(f"{self.name}_batch", default=None)

    value_objects: tuple[type[BaseModel], ...] = (Actor, Region)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for model in self.value_objects:
            transcoder.register(PydanticTranscoding(model))

    def construct_repository(self) -> Repository[UUID]:
        # The library's repository as it builds it (cache settings from the environment), only
        # with the faster projector as its default.
        repository = super().construct_repository()
        repository.__class__ = _Repository
        return repository

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

    # -- the one write path -----------------------------------------------------------------
    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """eventsourcing's save, written through the command transaction (same signature)."""
        processing = ProcessingEvent[UUID]()
        processing.collect_events(*objs, **kwargs)
        return self._transact(lambda _tx: (processing, []))

    def save_numbered(self, sequences: Sequence[str], build: Callable[..., Aggregate | Sequence[Aggregate | None]]
                      ) -> list[Aggregate]:
        """Take the next number of each sequence and save what ``build(*numbers)`` returns, in one
        transaction. ``build`` runs inside the transaction: it must not read the store (read
        before), and may raise a domain error, which rolls everything back (numbers included)."""
        seeds = {name: self._seed(name) for name in sequences if name not in self._known_counters}
        built: list[Aggregate] = []

        def decide(tx: Transaction) -> tuple[ProcessingEvent[UUID], list[Tracking]]:
            # Lock counters in one order everywhere, so two commands never wait for each other.
            taken = {name: tx.next_number(name, seeds.get(name, 0)) for name in sorted(set(sequences))}
            result = build(*(taken[name] for name in sequences))
            built.extend([result] if isinstance(result, Aggregate) else [a for a in result if a is not None])
            processing = ProcessingEvent[UUID]()
            processing.collect_events(*built)
            return processing, []

        self._transact(decide)
        for name in sequences:
            self._known_counters.add(name)
        return built

    def _seed(self, name: str) -> int:
        """The last number of a sequence kept by the earlier event-sourced counter, if any."""
        if self.commands.counter_exists(name):
            return 0
        try:
            legacy: NumberSequence = self.repository.get(NumberSequence.create_id(name))
        except AggregateNotFoundError:
            return 0
        return legacy.last

    def _transact(self, decide: Callable[[Transaction], tuple[ProcessingEvent[UUID], list[Tracking]]]
                  ) -> list[Recording[UUID]]:
        call = current_call.get()
        record = call.record() if call is not None else None
        replay = call is not None and call.replay

        def work(tx: Transaction) -> Written:
            processing, trackings = decide(tx)
            stored = [self.mapper.to_stored_event(e) for e in processing.events]
            if replay and stored:
                raise AlreadyCarriedOut("this request was already carried out (same Idempotency-Key); "
                                        "its result is no longer available: look the case up")
            ids = tx.insert(stored, trackings)
            if record is not None and stored:
                tx.record_idempotency(record)
            return Written(processing, stored, ids)

        try:
            written = self.commands.run(work)
        except IntegrityError:
            if record is not None and self.commands.find_response(record.key) is not None:
                raise RequestInProgress("a request with this Idempotency-Key is being carried out; "
                                        "retry in a moment to get its result") from None
            raise
        processing, stored, ids = written.processing, written.stored, written.ids
        if record is not None and stored:
            call.recorded = True  # type: ignore[union-attr]
        recordings = [
            Recording(event, Notification(id=nid, originator_id=s.originator_id, originator_version=s.originator_version,
                                          topic=s.topic, state=s.state))
            for event, s, nid in zip(processing.events, stored, ids or [], strict=False)
        ]
        if self.repository.cache and not self.repository.fastforward:
            for aggregate_id, aggregate in processing.aggregates.items():
                self.repository.cache.put(aggregate_id, aggregate)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings

    # -- exactly-once processing of upstream events ------------------------------------------
    def is_processed(self, upstream: str, notification_id: int) -> bool:
        return has_exact_tracking(self.recorder, upstream, notification_id)

    def save_processed(self, upstream: str, notification_id: int, *aggregates: Aggregate | None) -> bool:
        """Save the aggregates' new events together with the tracking record, atomically.

        Returns False (and changes nothing) when this upstream notification was already processed.
        Inside :meth:`batch` the effect is collected and committed with the rest of the batch.
        """
        tracking = Tracking(application_name=upstream, notification_id=notification_id)
        batch = self._collecting.get()
        if batch is not None:
            if self.is_processed(upstream, notification_id):
                return False
            batch.add(tracking, aggregates)
            return True
        processing = ProcessingEvent[UUID]()
        processing.collect_events(*aggregates)
        try:
            self._transact(lambda _tx: (processing, [tracking]))
        except IntegrityError:
            if self.is_processed(upstream, notification_id):
                return False
            raise
        return True

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Process several upstream messages in one transaction.

        Inside the block ``save_processed`` collects; leaving it normally commits every collected
        event and tracking row together (raising, with nothing committed, if that fails: e.g. two
        messages changed the same aggregate, or one was processed meanwhile); leaving it by an
        exception discards everything. The caller then processes the messages one at a time."""
        batch = _Batch()
        token = self._collecting.set(batch)
        try:
            yield
        finally:
            self._collecting.reset(token)
        if batch.trackings:
            processing = ProcessingEvent[UUID]()
            processing.collect_events(*batch.aggregates)
            self._transact(lambda _tx: (processing, batch.trackings))


def _project(aggregate: Any, domain_events: Any) -> Any:
    """eventsourcing's ``project_aggregate`` without its per-event ``isinstance`` check against a
    runtime Protocol: that check alone was a quarter of intake's CPU when aggregates were replayed."""
    for domain_event in domain_events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class ProcessingEvent(_LibraryProcessingEvent[TAggregateID]):
    """eventsourcing's ``ProcessingEvent`` (used by every save here), but an aggregate is told apart
    without the library's two ``isinstance`` checks against runtime Protocols (slow on Python 3.11:
    3-5 % of a consumer process)."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if isinstance(obj, BaseAggregate):
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
            elif obj is not None:
                super().collect_events(obj)
        self.saved_kwargs.update(kwargs)


class _Repository(Repository[UUID]):
    def get(self, aggregate_id: UUID, *, version: int | None = None, projector_func: Any = _project,
            **kwargs: Any) -> Any:
        if projector_func is project_aggregate:
            projector_func = _project
        return super().get(aggregate_id, version=version, projector_func=projector_func, **kwargs)


class _Batch:
    def __init__(self) -> None:
        self.trackings: list[Tracking] = []
        self.aggregates: list[Aggregate] = []

    def add(self, tracking: Tracking, aggregates: Sequence[Aggregate | None]) -> None:
        self.trackings.append(tracking)
        self.aggregates.extend(a for a in aggregates if a is not None)


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
