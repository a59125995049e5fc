"""Registering complaints: front office and Puskesos desks (with a queue number) and facilitators
(client-made ids, retries and batches that never make a second complaint)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from slrt_contracts import Actor, Channel, ComplaintType, Region, ServiceField
from slrt_contracts.events.intake import ComplaintIdentity, ComplaintSource
from slrt_runtime.errors import DomainError, NotPermitted

from ..domain import (
    CHANNEL_OF_ROLE,
    Complaint,
    DuplicateSubmission,
    OutsideDistrict,
    queue_sequence_name,
    receipt_number,
    receipt_sequence_name,
)
from ..adapters.notify import Notice
from .base import IntakeBase

WALK_IN_CHANNELS = frozenset({Channel.FRONT_OFFICE, Channel.PUSKESOS})


@dataclass(frozen=True)
class Submission:
    """What a desk or a facilitator's app sends; ``client_id`` makes it idempotent."""

    complaint_type: ComplaintType
    field: ServiceField
    region: Region
    description: str
    channel: Channel | None = None
    nik: str | None = None
    source: ComplaintSource | None = None
    programme: str | None = None
    identity: ComplaintIdentity | None = None
    contact_phone: str | None = None
    client_id: UUID | None = None

    def fingerprint(self, channel: Channel) -> str:
        content = {
            "channel": str(channel), "complaint_type": str(self.complaint_type), "field": str(self.field),
            "region": self.region.model_dump(mode="json"), "description": self.description, "nik": self.nik,
            "source": str(self.source) if self.source else None, "programme": self.programme,
            "identity": self.identity.model_dump(mode="json") if self.identity else None,
            "contact_phone": self.contact_phone,
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Registered:
    complaint_id: UUID
    receipt_number: str
    queue_number: int | None
    created: bool


@dataclass(frozen=True)
class _Plan:
    """A registration checked and ready to be numbered and saved."""

    sequences: list[str]
    build: Callable[..., Complaint]
    fingerprint: str
    at_once: bool


class Registration(IntakeBase):
    def register_complaint(self, actor: Actor, submission: Submission) -> Registered:
        """One transaction: the complaint, its receipt number and (at a desk) its queue number."""
        plan = self._plan(actor, submission)
        if submission.client_id is not None and self.exists(submission.client_id):
            return self._already_registered(submission.client_id, plan.fingerprint)
        try:
            [complaint] = self.save_numbered(plan.sequences, plan.build)
        except IntegrityError as e:
            return self._registered_meanwhile(submission, plan, e)
        return self._registered(plan, complaint)

    async def register_new_complaint(self, actor: Actor, submission: Submission) -> Registered:
        """:meth:`register_complaint` on the event loop, for a submission whose id nobody can have
        used: none, or one derived from an Idempotency-Key the request found unused. Nothing is read
        before the transaction, and only the store's writer thread works. (A complaint with that id
        after all, e.g. of a key pruned long ago, still fails the store's unique id and is answered.)"""
        plan = self._plan(actor, submission)
        try:
            [complaint] = await self.save_numbered_async(plan.sequences, plan.build)
        except IntegrityError as e:
            return await asyncio.to_thread(self._registered_meanwhile, submission, plan, e)
        return self._registered(plan, complaint)

    def _plan(self, actor: Actor, submission: Submission) -> _Plan:
        """The checks that need no store, and what to build inside the transaction."""
        district = self.settings.district
        if submission.region.district != district:
            raise OutsideDistrict(f"this SLRT serves district {district}, not {submission.region.district}")
        if not actor.covers(submission.region.village):
            raise NotPermitted(f"actor's region {actor.region} does not cover village {submission.region.village}")
        if len(submission.description) > self.rules.description_max_chars:
            raise DomainError(f"description is longer than {self.rules.description_max_chars} characters")
        if submission.identity and submission.nik and submission.identity.nik not in (None, submission.nik):
            raise DomainError("the NIK of the identity block differs from the complaint's NIK")
        nik = submission.nik or (submission.identity.nik if submission.identity else None)
        channel = submission.channel or CHANNEL_OF_ROLE.get(actor.role, Channel.FRONT_OFFICE)
        fingerprint = submission.fingerprint(channel)
        now = self.clock()
        sequences = [receipt_sequence_name(district, now.year)]
        # Queue numbers per office (the secretariat of the district, or one Puskesos) and local day.
        office = f"{actor.role.value}:{actor.region}"
        if channel in WALK_IN_CHANNELS:
            sequences.append(queue_sequence_name(office, now.astimezone(self.rules.timezone).date().isoformat()))

        # A notice that only goes to the log is recorded as delivered with the complaint: no watcher
        # round trip (a reload, a save and two commits per complaint). Logged after the commit, so a
        # failed registration logs nothing; the desk reads the notice from the complaint in any case.
        at_once = getattr(self.notifier, "in_process", False)

        def build(number: int, queue_number: int | None = None) -> Complaint:
            complaint = Complaint(
                receipt_number=receipt_number(district, now.year, number), client_id=submission.client_id,
                channel=channel, complaint_type=submission.complaint_type, field=submission.field,
                region=submission.region, nik=nik, description=submission.description, registered_by=actor,
                source=submission.source, programme=submission.programme, identity=submission.identity,
                contact_phone=submission.contact_phone, fingerprint=fingerprint,
            )
            complaint.queue_registered_notice()
            if at_once:
                complaint.mark_notified(1, self.notifier.name)
            if queue_number is not None:
                complaint.take_queue_number(queue_number, office)
            return complaint

        return _Plan(sequences, build, fingerprint, at_once)

    def _registered_meanwhile(self, submission: Submission, plan: _Plan, error: IntegrityError) -> Registered:
        # The same client id registered at the same moment by a second request: answer as a retry.
        if submission.client_id is not None and self.exists(submission.client_id):
            return self._already_registered(submission.client_id, plan.fingerprint)
        raise error

    def _registered(self, plan: _Plan, complaint: Complaint) -> Registered:
        if plan.at_once:
            notice = complaint.notices[0]
            self.notifier.send(Notice(complaint.receipt_number, notice["kind"], notice["message"],
                                      complaint.contact_phone))
        return Registered(complaint.id, complaint.receipt_number, complaint.queue_number, created=True)

    def _already_registered(self, complaint_id: UUID, fingerprint: str) -> Registered:
        existing = self.load(complaint_id)
        if existing.fingerprint != fingerprint:
            raise DuplicateSubmission(
                f"complaint id {complaint_id} was already used for a different complaint "
                f"({existing.receipt_number})")
        return Registered(existing.id, existing.receipt_number, existing.queue_number, created=False)

    def register_batch(self, actor: Actor, submissions: list[Submission]) -> list[dict[str, Any]]:
        """A facilitator's offline captures: each item on its own (one bad item does not stop the rest)."""
        results: list[dict[str, Any]] = []
        for submission in submissions:
            try:
                if submission.client_id is None:
                    raise DomainError("a batch item needs its complaint_id (made by the app), so that sending "
                                      "the batch again never registers it twice")
                done = self.register_complaint(actor, submission)
            except DomainError as e:
                results.append({"complaint_id": submission.client_id, "result": _result_of(e), "error": str(e)})
                continue
            results.append({"complaint_id": done.complaint_id, "receipt_number": done.receipt_number,
                            "result": "registered" if done.created else "already_registered"})
        return results


def _result_of(error: DomainError) -> str:
    if isinstance(error, DuplicateSubmission):
        return "conflict"
    if isinstance(error, NotPermitted):
        return "forbidden"
    return "refused"
