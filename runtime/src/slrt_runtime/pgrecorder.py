"""PostgreSQL persistence that leaves no expected error in the server's log (``PERSISTENCE_MODULE``
``slrt_runtime.pgrecorder:Factory``): the library's recorders, creating only what is missing.

At every start the library runs ``CREATE TYPE`` for its stored events and suppresses the
``type "stored_event_uuid" already exists`` error (PostgreSQL has no ``CREATE TYPE IF NOT
EXISTS``), and on a first start it probes a tracking table that does not exist yet; the server
logs both as ERROR. District IT reads that log for real errors, so these recorders look first.

Two commands that change one aggregate at the same time (a consumer and an officer, two pods) both
write its next version; the second is refused and retried (optimistic concurrency). The library
lets the primary key refuse it, a "duplicate key" ERROR in the server log for an expected event;
here the insert skips conflicting rows and the recorder refuses the write itself, with the same
IntegrityError and the same rollback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing import postgres as pg
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, StoredEvent
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier


class _CreatesOnlyWhatIsMissing:
    datastore: pg.PostgresDatastore
    sql_create_statements: list

    def _exists(self, kind: str, name: str) -> bool:  # kind: regtype | regclass
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT to_{kind}(%s) IS NOT NULL AS found",  # noqa: S608 - kind is ours
                         (f'"{self.datastore.schema}"."{name}"',), prepare=False)
            row = curs.fetchone()
        return bool(row and row["found"])

    def create_table(self) -> None:
        every = self.sql_create_statements
        type_name = getattr(self, "stored_event_type_name", None)
        if type_name and self._exists("regtype", type_name):
            self.sql_create_statements = [s for s in every if "CREATE TYPE" not in s.as_string()]
        try:
            table = getattr(self, "tracking_table_name", None)
            if table and not self._exists("regclass", table):
                # A new tracking table has nothing to migrate: skip the library's probe of it.
                super(pg.PostgresTrackingRecorder, self).create_table()  # type: ignore[misc]
            else:
                super().create_table()  # type: ignore[misc]
        finally:
            self.sql_create_statements = every


class _RefusesConflictsQuietly:
    datastore: pg.PostgresDatastore
    events_table_name: str
    stored_event_type_name: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        returning = " RETURNING notification_id" if isinstance(self, pg.PostgresApplicationRecorder) else ""
        self.insert_events_statement = SQL(
            "INSERT INTO {schema}.{table} AS t (originator_id, originator_version, topic, state)"
            " SELECT originator_id, originator_version, topic, state FROM unnest(%s::{schema}.{type}[])"
            " ON CONFLICT DO NOTHING" + returning
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name),
                 type=Identifier(self.stored_event_type_name))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """One transaction, whatever raises inside it rolls it back: a refused version leaves nothing
        of the write (the library's pipelined insert would commit the rest once the server no longer
        aborts the transaction itself)."""
        application = isinstance(self, pg.PostgresApplicationRecorder)
        with self.datastore.transaction(commit=True) as curs:
            if application:
                self._insert_events(curs, stored_events, **kwargs)  # type: ignore[attr-defined] # tracking
            if not stored_events:
                return None
            self._insert_stored_events(curs, stored_events, **kwargs)
            if application:
                return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)  # type: ignore[attr-defined]
        return None

    def _insert_stored_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._insert_stored_events(curs, stored_events, **kwargs)  # type: ignore[misc]
        if curs.rowcount != len(stored_events):
            raise IntegrityError("an event of that aggregate version is already stored (a concurrent command)")


class AggregateRecorder(_CreatesOnlyWhatIsMissing, _RefusesConflictsQuietly, pg.PostgresAggregateRecorder):
    pass


class ApplicationRecorder(_CreatesOnlyWhatIsMissing, _RefusesConflictsQuietly, pg.PostgresApplicationRecorder):
    pass


class TrackingRecorder(_CreatesOnlyWhatIsMissing, pg.PostgresTrackingRecorder):
    pass


class ProcessRecorder(_CreatesOnlyWhatIsMissing, _RefusesConflictsQuietly, pg.PostgresProcessRecorder):
    pass


class Factory(pg.PostgresFactory):
    aggregate_recorder_class = AggregateRecorder
    application_recorder_class = ApplicationRecorder
    tracking_recorder_class = TrackingRecorder
    process_recorder_class = ProcessRecorder
