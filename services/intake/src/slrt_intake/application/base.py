"""The intake application's store, clock, scoping and load/save helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from slrt_contracts import Actor, Region, Role
from slrt_contracts.events.intake import ComplaintIdentity
from slrt_runtime.deadlines import utc_now
from slrt_runtime.errors import NotPermitted
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.numbering import NumberSequence
from slrt_runtime.officials import load_officials
from slrt_runtime.settings import ServiceSettings

from ..adapters.notify import LogChannel, NotificationChannel
from ..domain import Complaint, ComplaintNotFound
from ..domain.standards import Standards, standards

READ_REFUSED = frozenset({Role.AGENCY, Role.SERVICE})
"""Agencies see referrals (referral service), never complaints."""

_ATTEMPTS = 5


class IntakeBase(ServiceApplication):
    name = "Intake"
    snapshotting_intervals = {NumberSequence: 100}
    value_objects = (Actor, Region, ComplaintIdentity)
    notifier: NotificationChannel = LogChannel()

    def __init__(self, settings: ServiceSettings | None = None, env: dict[str, str] | None = None,
                 *, rules: Standards | None = None, clock: Callable[[], dt.datetime] = utc_now) -> None:
        super().__init__(settings, env)
        self.rules = rules or standards()
        self.clock = clock
        # Checked now: a wrong officials file stops the start, not the first receipt.
        self.officials = load_officials(self.settings.district_officials, self.settings.district)

    # -- loading, scoping, saving ---------------------------------------------------------------
    def load(self, complaint_id: UUID) -> Complaint:
        try:
            return self.repository.get(complaint_id)
        except AggregateNotFoundError:
            raise ComplaintNotFound(f"no complaint {complaint_id}") from None

    def find(self, complaint_id: UUID) -> Complaint | None:
        """The complaint, or None when there is none: one read where ``exists`` then ``load`` take two."""
        try:
            return self.repository.get(complaint_id)
        except AggregateNotFoundError:
            return None

    def exists(self, complaint_id: UUID) -> bool:
        return bool(self.recorder.select_events(complaint_id, limit=1))

    @staticmethod
    def ensure_scope(actor: Actor, complaint: Complaint) -> None:
        """Every read and command: the actor's region must cover the complaint's village."""
        if actor.role in READ_REFUSED:
            raise NotPermitted(f"role {actor.role.value} does not read complaints")
        if not actor.covers(complaint.region.village):
            raise NotPermitted(f"actor's region {actor.region} does not cover this complaint's village")

    def change(self, complaint_id: UUID, actor: Actor | None, command: Callable[[Complaint], Any]) -> Any:
        """Load, check scope, run the command, save; a concurrent change is retried on fresh state."""
        for attempt in range(_ATTEMPTS):
            complaint = self.load(complaint_id)
            if actor is not None:
                self.ensure_scope(actor, complaint)
            result = command(complaint)
            try:
                self.save(complaint)
            except IntegrityError:
                if attempt == _ATTEMPTS - 1:
                    raise
                continue
            return result
        raise AssertionError("unreachable")
