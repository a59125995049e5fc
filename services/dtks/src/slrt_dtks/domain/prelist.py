"""Prelist and verivali: proposing people who are not in DTKS, and verifying them in the field.

A proposal (usulan) goes: proposed → reviewed by the supervisor → recommended by the manager →
verified in the field (verivali) → exported in a batch to the ministry system → decided by the
ministry. Any stage before export may reject it with a reason. The proposal keeps the person's
basic profile (this service's own store only: the published events carry region and codes).

Uniqueness without a read model: a :class:`ProposalKey` aggregate, whose id is derived from the
person's NIK (or, without one, normalised name + birth date + village), is saved together with the
proposal; a second proposal for the same person collides on it and is refused. The key is released
when a proposal ends without the person being taken in, so they can be proposed again later.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from slrt_contracts import Actor, Region
from slrt_contracts.events.dtks import PrelistDecision, PrelistRejectReason, PrelistSource, PrelistStage
from slrt_runtime.errors import DomainError, InvalidTransition, NotFound

from .matching import normalise_name

_KEY_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/dtks-prelist-key")


class ProposalNotFound(NotFound):
    pass


class DuplicateProposal(InvalidTransition):
    """409: the person is in DTKS already, or has an open proposal."""


class Status(StrEnum):
    PROPOSED = "proposed"
    REVIEWED = "reviewed"
    RECOMMENDED = "recommended"
    VERIFIED = "verified"
    REJECTED = "rejected"
    EXPORTED = "exported"
    ACCEPTED = "accepted"
    REFUSED = "refused"


CLOSED = (Status.REJECTED, Status.ACCEPTED, Status.REFUSED)
_STAGE_OF = {Status.PROPOSED: PrelistStage.REVIEW, Status.REVIEWED: PrelistStage.RECOMMENDATION,
             Status.RECOMMENDED: PrelistStage.VERIFICATION}


def person_key(profile: dict[str, Any], village: str) -> str:
    """Who the proposal is about, for duplicate detection: the NIK when known."""
    if profile.get("nik"):
        return f"nik:{profile['nik']}"
    return f"person:{normalise_name(profile.get('name') or '')}|{profile.get('birth_date')}|{village}"


class Proposal(Aggregate):
    @event("Proposed")
    def __init__(self, region: Region, source: str, profile: dict[str, Any], complaint_id: UUID | None,
                 proposed_by: Actor, key: str, note: str = "") -> None:
        self.region = region
        self.source = PrelistSource(source)
        self.profile = dict(profile)
        self.complaint_id = complaint_id
        self.proposed_by = proposed_by
        self.key = key
        self.note = note
        self.status = Status.PROPOSED
        self.history: list[dict[str, Any]] = []
        self.batch_id: UUID | None = None
        self.rejection: dict[str, str] | None = None
        self.decision: str | None = None

    # -- commands (check, then record) -----------------------------------------------------
    def review(self, by: Actor, note: str = "") -> None:
        self._require(Status.PROPOSED, "reviewed")
        self._reviewed(by=by, note=note, at=_now(), region=self.region)

    def recommend(self, by: Actor, note: str = "") -> None:
        self._require(Status.REVIEWED, "recommended (the supervisor reviews first)")
        self._recommended(by=by, note=note, at=_now(), region=self.region)

    def verify(self, by: Actor, note: str = "") -> None:
        self._require(Status.RECOMMENDED, "verified in the field (the manager recommends first)")
        self._verified(by=by, note=note, at=_now(), region=self.region)

    def reject(self, by: Actor, stage: PrelistStage, reason: PrelistRejectReason, note: str = "") -> None:
        if self.status not in _STAGE_OF:
            raise InvalidTransition(f"a proposal that is {self.status.value} cannot be rejected")
        if _STAGE_OF[self.status] != stage:
            raise InvalidTransition(f"the proposal is {self.status.value}: the next stage is "
                                    f"{_STAGE_OF[self.status].value}, not {PrelistStage(stage).value}")
        if reason == PrelistRejectReason.OTHER and not note.strip():
            raise DomainError("a rejection with reason 'other' needs a note")
        self._rejected(by=by, stage=PrelistStage(stage).value, reason=PrelistRejectReason(reason).value, note=note,
                       at=_now(), region=self.region)

    def export(self, batch_id: UUID, by: Actor) -> None:
        self._require(Status.VERIFIED, "exported")
        self._exported(batch_id=batch_id, by=by, at=_now(), region=self.region)

    def decide(self, decision: PrelistDecision, by: Actor, note: str = "") -> None:
        self._require(Status.EXPORTED, "decided by the ministry (only exported proposals are)")
        self._decided(decision=PrelistDecision(decision).value, by=by, note=note, at=_now(), region=self.region,
                      batch_id=self.batch_id)

    def _require(self, status: Status, what: str) -> None:
        if self.status != status:
            raise InvalidTransition(f"the proposal is {self.status.value}; it cannot be {what} now")

    # -- events ----------------------------------------------------------------------------
    # Each event repeats the region: the outbox relay translates one stored event at a time, and
    # every published prelist event says where (region scoping downstream, monitoring's views).
    def _step(self, step: str, by: Actor, at: str, **data: Any) -> None:
        self.history.append({"step": step, "at": at, "by": by.id, "role": by.role.value, **data})

    @event("Reviewed")
    def _reviewed(self, by: Actor, note: str, at: str, region: Region) -> None:
        self.status = Status.REVIEWED
        self._step("reviewed", by, at, note=note)

    @event("Recommended")
    def _recommended(self, by: Actor, note: str, at: str, region: Region) -> None:
        self.status = Status.RECOMMENDED
        self._step("recommended", by, at, note=note)

    @event("Verified")
    def _verified(self, by: Actor, note: str, at: str, region: Region) -> None:
        self.status = Status.VERIFIED
        self._step("verified", by, at, note=note)

    @event("Rejected")
    def _rejected(self, by: Actor, stage: str, reason: str, note: str, at: str, region: Region) -> None:
        self.status = Status.REJECTED
        self.rejection = {"stage": stage, "reason": reason, "note": note}
        self._step("rejected", by, at, stage=stage, reason=reason, note=note)

    @event("Exported")
    def _exported(self, batch_id: UUID, by: Actor, at: str, region: Region) -> None:
        self.status = Status.EXPORTED
        self.batch_id = batch_id
        self._step("exported", by, at, batch_id=str(batch_id))

    @event("Decided")
    def _decided(self, decision: str, by: Actor, note: str, at: str, region: Region, batch_id: UUID | None) -> None:
        self.status = Status.ACCEPTED if decision == PrelistDecision.ACCEPTED else Status.REFUSED
        self.decision = decision
        self._step("decided", by, at, decision=decision, note=note)

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    @property
    def proposed_at(self) -> dt.datetime:
        return self.created_on


class ProposalKey(Aggregate):
    """At most one open proposal per person (see the module docstring)."""

    @staticmethod
    def create_id(key: str, **_: object) -> UUID:  # type: ignore[override]
        return uuid5(_KEY_NS, key)

    @event("Claimed")
    def __init__(self, key: str, proposal_id: UUID) -> None:
        self.proposal_id = proposal_id
        self.open = True

    def claim(self, proposal_id: UUID) -> None:
        if self.open:
            raise DuplicateProposal(f"this person already has an open prelist proposal {self.proposal_id}")
        self._claimed_again(proposal_id=proposal_id)

    @event("ClaimedAgain")
    def _claimed_again(self, proposal_id: UUID) -> None:
        self.proposal_id = proposal_id
        self.open = True

    @event("Released")
    def release(self) -> None:
        self.open = False


def key_id(key: str) -> UUID:
    return ProposalKey.create_id(key=key)


class Batch(Aggregate):
    """An export to the ministry system: which proposals, when, by whom."""

    @event("Exported")
    def __init__(self, district: str, proposal_ids: list[UUID], exported_by: Actor) -> None:
        if not proposal_ids:
            raise DomainError("no verified proposals to export")
        self.district = district
        self.proposal_ids = list(proposal_ids)
        self.exported_by = exported_by

    @property
    def exported_at(self) -> dt.datetime:
        return self.created_on


def _now() -> str:
    # Passed into the event (not read inside it), so replaying the event gives the same history.
    return dt.datetime.now(dt.timezone.utc).isoformat()
