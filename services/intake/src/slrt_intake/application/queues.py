"""Work queues: a read model of every complaint's current state, in intake's own database.

It is a projection of the service's own log (``slrt_runtime.ownlog``, like the deadline book:
position compare-and-set in the same transaction as the rows), and writes each touched
complaint's current state as one row: applying a notification twice writes the same row, so the
view is exact however often it catches up. Queries catch up first, so a desk always sees its own
last command.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from slrt_contracts import Actor, Role
from slrt_contracts.events.intake import Level
from eventsourcing.persistence import Notification
from slrt_runtime.ownlog import OwnLogProjection, row_values
from slrt_runtime.errors import NotPermitted

from . import IntakeApplication
from ..domain import Complaint, Status

COLUMNS = ("complaint_id", "receipt_number", "status", "level", "field", "channel", "complaint_type", "programme",
           "district", "subdistrict", "village", "queue_number", "registered_at", "due_at", "overdue", "appeals")


class Queue(StrEnum):
    FRONT_OFFICE = "front-office"  # desks: new, waiting for the DTKS check, assessment, civil registry
    PUSKESOS = "puskesos"
    BACK_OFFICE = "back-office"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"


@dataclass(frozen=True)
class QueueSpec:
    roles: frozenset[Role]
    statuses: tuple[Status, ...]
    level: Level | None = None


DESK_STATUSES = (Status.REGISTERED, Status.AWAITING_ASSESSMENT, Status.AWAITING_CIVIL_REGISTRY)
HANDLING = (Status.IN_HANDLING, Status.REFERRED)
QUEUES: dict[Queue, QueueSpec] = {
    Queue.FRONT_OFFICE: QueueSpec(frozenset({Role.FRONT_OFFICE, Role.PUSKESOS, Role.FACILITATOR}), DESK_STATUSES),
    Queue.PUSKESOS: QueueSpec(frozenset({Role.PUSKESOS}), HANDLING, Level.PUSKESOS),
    Queue.BACK_OFFICE: QueueSpec(frozenset({Role.BACK_OFFICE}), HANDLING, Level.BACK_OFFICE),
    Queue.SUPERVISOR: QueueSpec(frozenset({Role.SUPERVISOR}), HANDLING, Level.SUPERVISOR),
    Queue.MANAGER: QueueSpec(frozenset({Role.MANAGER}), HANDLING, Level.MANAGER),
}


class WorkQueues(OwnLogProjection):
    def __init__(self, app: IntakeApplication) -> None:
        super().__init__(app, "queue")
        self.rows = self.table("_rows")

    def create_tables(self, c: Any) -> None:
        rows, real = self.table("_rows"), self.db.real
        c.execute(
            f"CREATE TABLE IF NOT EXISTS {rows} (complaint_id TEXT PRIMARY KEY, receipt_number TEXT, "
            "status TEXT, level TEXT, field TEXT, channel TEXT, complaint_type TEXT, programme TEXT, "
            "district TEXT, subdistrict TEXT, village TEXT, queue_number INTEGER, "
            f"registered_at {real}, due_at {real}, overdue INTEGER, appeals INTEGER)")
        c.execute(f"CREATE INDEX IF NOT EXISTS intake_queue_rows_by_status ON {rows} (status, level, village)")
        c.execute(f"CREATE INDEX IF NOT EXISTS intake_queue_rows_by_receipt ON {rows} (receipt_number)")

    def apply(self, c: Any, notifications: Sequence[Notification]) -> None:
        touched = {n.originator_id for n in notifications if ":Complaint." in n.topic}
        for row in (self._row(self.application.repository.get(cid)) for cid in touched):
            self.replace_row(c, self.rows, COLUMNS, row)

    @staticmethod
    def _row(c: Complaint) -> tuple[Any, ...]:
        return (str(c.id), c.receipt_number, c.status.value, c.level.value if c.level else None, c.field.value,
                c.channel.value, c.complaint_type.value, c.programme, c.region.district, c.region.subdistrict,
                c.region.village, c.queue_number, c.registered_at.timestamp(),
                c.due_at.timestamp() if c.due_at else None, int(bool(c.overdue_steps)), c.appeals)

    # -- queries ----------------------------------------------------------------------------------
    def complaint_id_by_receipt(self, receipt: str) -> UUID | None:
        self.catch_up()
        with self.db.transaction() as c:
            c.execute(self.db.sql(f"SELECT complaint_id FROM {self.rows} WHERE receipt_number = ?"), (receipt,))
            row = c.fetchone()
        return UUID(row_values(row)[0]) if row else None

    def rows_of(self, complaint_ids: Sequence[str], statuses: Iterable[Status]) -> list[dict[str, Any]]:
        """The rows of these complaints that are in one of ``statuses``, oldest first."""
        wanted = sorted(s.value for s in statuses)
        self.catch_up()
        with self.db.transaction() as c:
            c.execute(self.db.sql(
                f"SELECT {', '.join(COLUMNS)} FROM {self.rows} WHERE complaint_id IN "
                f"({', '.join('?' for _ in complaint_ids)}) AND status IN ({', '.join('?' for _ in wanted)}) "
                "ORDER BY registered_at"), (*complaint_ids, *wanted))
            return [_item(row_values(r)) for r in c.fetchall()]

    def list(self, queue: Queue, actor: Actor, *, region: str | None = None, filters: dict[str, str] | None = None,
             overdue: bool | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
        spec = QUEUES[queue]
        if actor.role not in spec.roles and actor.role is not Role.ADMIN:
            raise NotPermitted(f"role {actor.role.value} has no {queue.value} queue")
        scope = region or actor.region
        if not actor.covers(scope):
            raise NotPermitted(f"actor's region {actor.region} does not cover {scope}")
        where = [f"status IN ({', '.join('?' for _ in spec.statuses)})", "village LIKE ?"]
        params: list[Any] = [*(s.value for s in spec.statuses), f"{scope}%"]
        if spec.level is not None:
            where.append("level = ?")
            params.append(spec.level.value)
        for column, value in (filters or {}).items():
            where.append(f"{column} = ?")  # column names come from the API's fixed list, never from input
            params.append(value)
        if overdue is not None:
            where.append("overdue = ?")
            params.append(int(overdue))
        self.catch_up()
        clause = " AND ".join(where)
        with self.db.transaction() as c:
            sql = self.db.sql
            c.execute(sql(f"SELECT status, COUNT(*) FROM {self.rows} WHERE {clause} GROUP BY status"), tuple(params))
            counts = {s: int(n) for s, n in (row_values(r) for r in c.fetchall())}
            c.execute(sql(f"SELECT {', '.join(COLUMNS)} FROM {self.rows} WHERE {clause} "
                          "ORDER BY overdue DESC, COALESCE(due_at, registered_at), registered_at LIMIT ? OFFSET ?"),
                      (*params, limit, offset))
            items = [_item(row_values(r)) for r in c.fetchall()]
        return {"queue": queue.value, "region": scope, "total": sum(counts.values()), "counts": counts,
                "limit": limit, "offset": offset, "items": items}


def _item(values: tuple[Any, ...]) -> dict[str, Any]:
    item = dict(zip(COLUMNS, values, strict=True))
    for moment in ("registered_at", "due_at"):
        if item[moment] is not None:
            item[moment] = dt.datetime.fromtimestamp(item[moment], dt.timezone.utc)
    item["overdue"] = bool(item["overdue"])
    return item
