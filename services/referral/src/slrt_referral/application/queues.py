"""Work queues over referrals (manager approvals, agency inbox, staff lists): a table in the
service's own database, projected from its own log (``slrt_runtime.ownlog``, as intake's queues and
the deadline book). Each touched referral's current state is written as one row, so applying a
notification twice writes the same row; queries catch up first, so a desk sees its own last command."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from pydantic import BaseModel
from slrt_contracts import Actor, Role
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.ownlog import OwnLogProjection, row_values

from ..domain.referrals import Referral

Row = dict[str, Any]
FILTERS = ("status", "agency", "programme", "field")
"""Columns a query may filter on by equality (fixed names: never taken from input)."""


def summary(r: Referral) -> Row:
    """A referral as the queues and the API list it (no personal data)."""
    return {
        "referral_id": r.id, "complaint_id": r.complaint_id, "receipt_number": r.receipt_number,
        "region": r.region, "complaint_type": r.complaint_type, "dtks_status": r.dtks_status,
        "programmes": r.dtks_programmes, "programme": r.programme.code, "programme_name": r.programme.name,
        "agency": r.agency, "agency_name": r.programme.agency_name, "agency_level": r.programme.level,
        "field": r.field, "note": r.note, "status": r.status, "proposed_by": r.proposed_by,
        "proposed_at": r.created_on, "approved_by": r.approved_by, "sent_at": r.sent_at,
        "answer_due_at": r.answer_due_at, "overdue": r.is_overdue(), "personal_data_basis": r.personal_data_basis,
        "answers": r.answers, "outcome": r.outcome, "closing_reason": r.closing_reason,
        "redirected_from": r.redirected_from, "redirected_to": r.redirected_to, "updated_at": r.modified_on,
    }


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(type(value).__name__)


class ReferralQueues(OwnLogProjection):
    # Typed by the runtime's application (all it uses is its repository), so that the referral
    # application, which builds its queues, and this module do not import each other.
    def __init__(self, app: ServiceApplication) -> None:
        super().__init__(app, "queue")
        self.rows = self.table("_rows")
        self._referral_topic = get_topic(Referral) + "."

    def create_tables(self, c: Any) -> None:
        rows, real = self.table("_rows"), self.db.real
        c.execute(f"CREATE TABLE IF NOT EXISTS {rows} (referral_id TEXT PRIMARY KEY, complaint_id TEXT, "
                  "status TEXT, agency TEXT, programme TEXT, field TEXT, village TEXT, sent INTEGER, "
                  f"overdue INTEGER, updated_at {real}, summary TEXT)")
        c.execute(f"CREATE INDEX IF NOT EXISTS referral_queue_by_agency ON {rows} (agency, sent, status)")
        c.execute(f"CREATE INDEX IF NOT EXISTS referral_queue_by_status ON {rows} (status, village)")

    def apply(self, c: Any, notifications: Sequence[Notification]) -> None:
        sql = self.db.sql
        touched = {n.originator_id for n in notifications if n.topic.startswith(self._referral_topic)}
        for referral in (self.application.repository.get(rid) for rid in touched):
            row = summary(referral)
            c.execute(sql(f"DELETE FROM {self.rows} WHERE referral_id = ?"), (str(referral.id),))
            c.execute(sql(f"INSERT INTO {self.rows} VALUES (?,?,?,?,?,?,?,?,?,?,?)"), (
                str(referral.id), str(referral.complaint_id), referral.status.value, referral.agency,
                referral.programme.code, referral.field.value, referral.region.village,
                int(referral.sent_at is not None), int(row["overdue"]), referral.modified_on.timestamp(),
                json.dumps(row, default=_json)))

    def query(self, actor: Actor, *, filters: dict[str, Any], region: str | None = None,
              overdue: bool | None = None, offset: int = 0, limit: int = 50) -> Row:
        """What ``actor`` may see, narrowed by the filters; ``counts`` per status over the rows the
        filters other than status match; overdue first, then the latest changed."""
        where, params = ["village LIKE ?"], [f"{actor.region}%"]
        if actor.role == Role.AGENCY:  # only what was sent to this agency
            where += ["agency = ?", "sent = 1"]
            params.append(actor.agency)
        if region:
            where.append("village LIKE ?")
            params.append(f"{region}%")
        if overdue is not None:
            where.append("overdue = ?")
            params.append(int(overdue))
        for column in FILTERS:
            if column != "status" and filters.get(column) is not None:
                where.append(f"{column} = ?")
                params.append(str(filters[column]))
        status = filters.get("status")
        self.catch_up()
        sql, clause = self.db.sql, " AND ".join(where)
        with self.db.transaction() as c:
            c.execute(sql(f"SELECT status, COUNT(*) FROM {self.rows} WHERE {clause} GROUP BY status"), tuple(params))
            counts = {s: int(n) for s, n in sorted(row_values(r) for r in c.fetchall())}
            if status is not None:
                clause += " AND status = ?"
                params.append(str(status))
            c.execute(sql(f"SELECT summary FROM {self.rows} WHERE {clause} "
                          "ORDER BY overdue DESC, updated_at DESC LIMIT ? OFFSET ?"), (*params, limit, offset))
            items = [json.loads(row_values(r)[0]) for r in c.fetchall()]
        total = counts.get(str(status), 0) if status is not None else sum(counts.values())
        return {"items": items, "total": total, "counts": counts, "offset": offset, "limit": limit}
