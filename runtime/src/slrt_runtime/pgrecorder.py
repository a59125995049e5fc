"""PostgreSQL persistence that leaves no expected error in the server's log (``PERSISTENCE_MODULE``
``slrt_runtime.pgrecorder:Factory``): the library's recorders, creating only what is missing.

At every start the library runs ``CREATE TYPE`` for its stored events and suppresses the
``type "stored_event_uuid" already exists`` error (PostgreSQL has no ``CREATE TYPE IF NOT
EXISTS``), and on a first start it probes a tracking table that does not exist yet; the server
logs both as ERROR. District IT reads that log for real errors, so these recorders look first.
"""

from __future__ import annotations

from eventsourcing import postgres as pg


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


class AggregateRecorder(_CreatesOnlyWhatIsMissing, pg.PostgresAggregateRecorder):
    pass


class ApplicationRecorder(_CreatesOnlyWhatIsMissing, pg.PostgresApplicationRecorder):
    pass


class TrackingRecorder(_CreatesOnlyWhatIsMissing, pg.PostgresTrackingRecorder):
    pass


class ProcessRecorder(_CreatesOnlyWhatIsMissing, pg.PostgresProcessRecorder):
    pass


class Factory(pg.PostgresFactory):
    aggregate_recorder_class = AggregateRecorder
    application_recorder_class = ApplicationRecorder
    tracking_recorder_class = TrackingRecorder
    process_recorder_class = ProcessRecorder
