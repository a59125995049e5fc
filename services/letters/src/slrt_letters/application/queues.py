"""Letter lists and the signers' queues: a read model of every letter's current step, in the
letters service's own database.

Kept the way intake keeps its work queues: a projection of the service's own log
(``slrt_runtime.ownlog``: its position compare-and-set in the same transaction as its rows), one
row per letter written from the letter's current state, so applying a notification twice writes the
same row and the table can be dropped and rebuilt from the event log. Queries catch up first, so a
Kasi sees the draft an officer saved a moment ago.

Each row carries when the letter entered its current step and the step's due time from the letter
type's time standard (working days, as the deadline watcher computes them); ``overdue`` is judged at
the moment of the query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from slrt_contracts import Actor, ParafStep, Role
from slrt_contracts.nik import mask_nik
from slrt_runtime.deadlines import utc_now
from slrt_runtime.errors import NotPermitted
from slrt_runtime.ownlog import OwnLogProjection, row_values

from . import LettersApplication
from ..domain import Letter, starts_step_clock

COLUMNS = ("letter_id", "letter_type", "title", "status", "waiting_for", "signers", "district", "region",
           "citizen_name", "nik_masked", "receipt_number", "complaint_id", "requested_at", "step", "step_since",
           "due_at")
SIGN = "sign"
"""``waiting_for`` of a letter whose paraf are complete: it waits for one of its signers."""
STATUSES = ("requested", "documents_complete", "validation_failed", "verified", "returned", "awaiting_paraf",
            "awaiting_signature", "signed", "issued", "rejected", "revoked")


class LetterQueues(OwnLogProjection):
    def __init__(self, app: LettersApplication) -> None:
        super().__init__(app, "worklist")
        self.rows = self.table("_rows")

    def create_tables(self, c: Any) -> None:
        rows, real = self.table("_rows"), self.db.real
        c.execute(
            f"CREATE TABLE IF NOT EXISTS {rows} (letter_id TEXT PRIMARY KEY, letter_type TEXT, title TEXT, "
            "status TEXT, waiting_for TEXT, signers TEXT, district TEXT, region TEXT, citizen_name TEXT, "
            "nik_masked TEXT, receipt_number TEXT, complaint_id TEXT, "
            f"requested_at {real}, step TEXT, step_since {real}, due_at {real})")
        c.execute(f"CREATE INDEX IF NOT EXISTS letters_worklist_by_step ON {rows} (waiting_for, status, region)")

    def apply(self, c: Any, notifications: Sequence[Notification]) -> None:
        touched = {n.originator_id for n in notifications if ":Letter." in n.topic}
        for letter_id in touched:
            self.replace_row(c, self.rows, COLUMNS, self._row(letter_id))

    def _row(self, letter_id: UUID) -> tuple[Any, ...]:
        letter, since = self._replay(letter_id)
        step = letter.current_step
        due = letter.kind.time_standards[step].due(since) if step is not None and since is not None else None
        status = letter.status
        waiting = (letter.missing_paraf[0].value if status == "awaiting_paraf" else
                   SIGN if status == "awaiting_signature" else None)
        return (str(letter.id), letter.letter_type, letter.kind.title, status, waiting,
                "," + ",".join(r.value for r in letter.kind.signers) + ",", letter.district, letter.region,
                letter.applicant.get("name"), mask_nik(letter.applicant.get("nik")), letter.receipt_number,
                str(letter.complaint_id) if letter.complaint_id else None, letter.requested_at.timestamp(),
                step.value if step else None, since.timestamp() if since else None,
                due.timestamp() if due else None)

    def _replay(self, letter_id: UUID) -> tuple[Letter, dt.datetime | None]:
        """The letter and when it entered its current step (:func:`starts_step_clock`, as the deadline
        watcher)."""
        letter: Any = None
        since: dt.datetime | None = None
        for domain_event in self.application.repository.event_store.get(letter_id):
            before = letter.current_step if letter is not None else None
            letter = domain_event.mutate(letter)
            if starts_step_clock(before, letter, domain_event):
                since = domain_event.timestamp
        return letter, since

    # -- queries ----------------------------------------------------------------------------------
    def list(self, actor: Actor, *, region: str | None = None, status: str | None = None,
             letter_type: str | None = None, waiting_for: str | None = None, overdue: bool | None = None,
             limit: int = 50, offset: int = 0) -> dict[str, Any]:
        """Letters of the actor's region, oldest step first. Asked for ``awaiting_paraf`` without
        saying whose, a Kasi, Kabid or Sekdin gets the letters waiting for their own paraf."""
        scope = region or actor.region
        if not actor.covers(scope):
            raise NotPermitted(f"actor's region {actor.region} does not cover {scope}")
        if status == "awaiting_paraf" and waiting_for is None and actor.role.value in {s.value for s in ParafStep}:
            waiting_for = actor.role.value
        where, params = ["region LIKE ?"], [f"{scope}%"]
        for column, value in (("status", status), ("letter_type", letter_type), ("waiting_for", waiting_for)):
            if value is not None:
                where.append(f"{column} = ?")  # column names are this module's own, never input
                params.append(value)
        return self._query(where, params, overdue, limit, offset, {"region": scope})

    def queue(self, actor: Actor, *, overdue: bool | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
        """What waits for this official: their own paraf, and the signature where the letter type
        names their role among its signers."""
        mine: list[str] = []
        params: list[Any] = [f"{actor.region}%"]
        if actor.role.value in {s.value for s in ParafStep}:
            mine.append("waiting_for = ?")
            params.append(actor.role.value)
        if actor.role in (Role.KADIN, Role.SEKDIN):
            mine.append("(waiting_for = ? AND signers LIKE ?)")
            params += [SIGN, f"%,{actor.role.value},%"]
        if not mine:
            raise NotPermitted(f"role {actor.role.value} gives no paraf and no signature; it has no signer's queue")
        where = ["region LIKE ?", f"({' OR '.join(mine)})"]
        return self._query(where, params, overdue, limit, offset, {"region": actor.region, "role": actor.role.value})

    def _query(self, where: list[str], params: list[Any], overdue: bool | None, limit: int, offset: int,
               head: dict[str, Any]) -> dict[str, Any]:
        now = utc_now().timestamp()
        late = f"(due_at IS NOT NULL AND due_at <= {float(now)!r})"
        if overdue is not None:
            where = [*where, late if overdue else f"NOT {late}"]
        clause = " AND ".join(where)
        self.catch_up()
        sql = self.db.sql
        with self.db.transaction() as c:
            c.execute(sql(f"SELECT status, COUNT(*), SUM(CASE WHEN {late} THEN 1 ELSE 0 END) FROM {self.rows} "
                          f"WHERE {clause} GROUP BY status"), tuple(params))
            grouped = [row_values(r) for r in c.fetchall()]
            c.execute(sql(f"SELECT {', '.join(COLUMNS)} FROM {self.rows} WHERE {clause} "
                          "ORDER BY COALESCE(step_since, requested_at), requested_at, letter_id LIMIT ? OFFSET ?"),
                      (*params, limit, offset))
            items = [_item(row_values(r), now) for r in c.fetchall()]
        counts = {s: int(n) for s, n, _ in grouped}
        return {**head, "total": sum(counts.values()), "overdue": sum(int(o or 0) for *_, o in grouped),
                "counts": counts, "limit": limit, "offset": offset, "items": items}


def _item(values: tuple[Any, ...], now: float) -> dict[str, Any]:
    item = dict(zip(COLUMNS, values, strict=True))
    item["signers"] = [s for s in item["signers"].split(",") if s]
    item["overdue"] = item["due_at"] is not None and item["due_at"] <= now
    for moment in ("requested_at", "step_since", "due_at"):
        if item[moment] is not None:
            item[moment] = dt.datetime.fromtimestamp(item[moment], dt.timezone.utc)
    return item
