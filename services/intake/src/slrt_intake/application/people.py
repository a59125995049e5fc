"""Open complaints of one person, so that a desk does not record the same complaint twice.

The desk knows the person by their NIK. Finding their complaints needs an index by NIK, and a NIK
must not sit in a URL (access logs, browser history) nor be copied in clear into yet another table.
So the NIK comes in a request body (``POST /complaints/search``) and the index keeps only a keyed
hash of it (HMAC-SHA256): a copy of this table, or of the database without the service's secret,
does not give the NIKs back, and no list of all NIKs of a district can be tried against it without
the key (an unkeyed hash of a 16-digit NIK, most of whose digits are a region and a birth date, would
be reversed by trying them). The aggregate keeps the NIK as it always has, for the staff who may see
it; this index adds no readable copy.

The key is the deployment's own ``SLRT_PERSON_INDEX_KEY``: production mode refuses to start without
one that is strong (nothing else of an OpenID deployment shares a secret to derive it from); the
embedded default derives it from the development secret (``SLRT_AUTH_SECRET``), as before. The
index's tables carry a fingerprint of the key, so a new key starts a fresh index that the next search
builds from the log, and the tables of the previous key are dropped at start: they answer nothing any
more, and keyed with a published or leaked key they would be the reversible copy this index avoids.
It is its own projection of intake's log (not a column of the work queues), so an existing
deployment builds it from the first complaint on.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Notification
from slrt_contracts import Actor
from slrt_runtime.errors import NotPermitted
from slrt_runtime.ownlog import OwnLogProjection, row_values
from slrt_runtime.production import require_secret
from slrt_runtime.settings import ServiceSettings

from . import IntakeApplication
from .base import READ_REFUSED
from ..domain import OPEN_STATUSES
from .queues import WorkQueues

_PURPOSE = b"slrt-intake-person-index-v1"
_GENERATION = re.compile(r"(?P<name>intake_person_[0-9a-f]{8})_(rows|position)")  # one key's tables
log = logging.getLogger(__name__)


def index_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def index_secret(settings: ServiceSettings) -> str:
    """SLRT_PERSON_INDEX_KEY; in development, when unset, the development token secret (so an
    embedded deployment's index keeps its key)."""
    own = settings.person_index_key.get_secret_value()
    if not settings.auth_dev_issuer:
        require_secret("intake", "SLRT_PERSON_INDEX_KEY", own)
    return own or settings.auth_secret.get_secret_value()


class PersonIndex(OwnLogProjection):
    def __init__(self, app: IntakeApplication, queues: WorkQueues) -> None:
        self.key = index_key(index_secret(app.settings))
        self.queues = queues
        super().__init__(app, f"person_{hashlib.sha256(self.key).hexdigest()[:8]}")
        self.rows = self.table("_rows")
        self._drop_other_keys()

    def _drop_other_keys(self) -> None:
        """Drop the index tables of any other key: after a key change they match no search."""
        stale = {m["name"] for t in self.db.tables_starting("intake_person_")
                 if (m := _GENERATION.fullmatch(t)) and m["name"] != self.name}
        for name in sorted(stale):
            with self.db.transaction() as c:
                for table in (f"{name}_rows", f"{name}_position"):
                    c.execute(f"DROP TABLE IF EXISTS {self.db.qualify(table)}")
            log.warning("person index: the key changed (SLRT_PERSON_INDEX_KEY); dropped the index of the "
                        "previous key (%s), the next search rebuilds it from the log", name)

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
