"""Open complaints of one person, so that a desk does not record the same complaint twice.

The desk knows the person by their NIK. Finding their complaints needs an index by NIK, and a NIK
must not sit in a URL (access logs, browser history) nor be copied in clear into yet another table.
So the NIK comes in a request body (``POST /complaints/search``) and the index keeps only a keyed
hash of it (HMAC-SHA256): a copy of this table, or of the database without the service's secret,
does not give the NIKs back, and no list of all NIKs of a district can be tried against it without
the key (an unkeyed hash of a 16-digit NIK, most of whose digits are a region and a birth date, would
be reversed by trying them). The aggregate keeps the NIK as it always has, for the staff who may see
it; this index adds no readable copy.

The key derives from the deployment's secret (``SLRT_AUTH_SECRET``) and a name of its own; the
index's tables carry a fingerprint of the key, so a new secret starts a fresh index from the log.
Known gap: with OpenID Connect in production the services no longer need ``SLRT_AUTH_SECRET``, so a
deployment that leaves it unset keys this index with the published default. That exposes no more than
the event store beside it, whose complaint events carry the NIK in clear; a key of its own, required in
production mode, is the next step.
It is its own projection of intake's log (not a column of the work queues), so an existing
deployment builds it from the first complaint on.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Notification
from slrt_contracts import Actor
from slrt_runtime.errors import NotPermitted
from slrt_runtime.ownlog import OwnLogProjection, row_values

from . import IntakeApplication
from .base import READ_REFUSED
from ..domain import OPEN_STATUSES
from .queues import WorkQueues

_PURPOSE = b"slrt-intake-person-index-v1"


def index_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


class PersonIndex(OwnLogProjection):
    def __init__(self, app: IntakeApplication, queues: WorkQueues) -> None:
        self.key = index_key(app.settings.auth_secret.get_secret_value())
        self.queues = queues
        super().__init__(app, f"person_{hashlib.sha256(self.key).hexdigest()[:8]}")
        self.rows = self.table("_rows")

    def create_tables(self, c: Any) -> None:
        rows = self.table("_rows")
        c.execute(f"CREATE TABLE IF NOT EXISTS {rows} (complaint_id TEXT PRIMARY KEY, nik_key TEXT NOT NULL)")
        c.execute(f"CREATE INDEX IF NOT EXISTS {self.name}_by_key ON {rows} (nik_key)")

    def nik_key(self, nik: str) -> str:
        return hmac.new(self.key, nik.encode(), hashlib.sha256).hexdigest()

    def apply(self, c: Any, notifications: Sequence[Notification]) -> None:
        sql = self.db.sql
        for n in notifications:
            if not n.topic.endswith(":Complaint.Registered"):
                continue  # the NIK is given at registration and never changes
            nik = getattr(self.application.mapper.to_domain_event(n), "nik", None)
            if not nik:
                continue
            c.execute(sql(f"DELETE FROM {self.rows} WHERE complaint_id = ?"), (str(n.originator_id),))
            c.execute(sql(f"INSERT INTO {self.rows} (complaint_id, nik_key) VALUES (?, ?)"),
                      (str(n.originator_id), self.nik_key(nik)))

    def open_complaints(self, nik: str, actor: Actor) -> dict[str, Any]:
        """The person's open complaints the actor may open, and how many more are outside their area
        (counted only: the desk learns that someone else already has it, not what or where)."""
        if actor.role in READ_REFUSED:
            raise NotPermitted(f"role {actor.role.value} does not read complaints")
        self.catch_up()
        with self.db.transaction() as c:
            c.execute(self.db.sql(f"SELECT complaint_id FROM {self.rows} WHERE nik_key = ?"), (self.nik_key(nik),))
            ids = [row_values(r)[0] for r in c.fetchall()]
        # Two reads, not a join: each projection may keep its tables in a database of its own (tests).
        found = self.queues.rows_of(ids, OPEN_STATUSES) if ids else []
        items = [item for item in found if actor.covers(item["village"])]
        return {"items": items, "elsewhere": len(found) - len(items)}
