"""Registering complaints: front office and Puskesos desks (with a queue number) and facilitators
(client-made ids, retries and batches that never make a second complaint)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from slrt_contracts import Actor, Channel, ComplaintType, Region, ServiceField
from slrt_contracts.events.intake import ComplaintIdentity, ComplaintSource
from slrt_runtime.errors import DomainError, NotPermitted
from slrt_runtime.numbering import save_with_next_number

from ..domain import (
    CHANNEL_OF_ROLE,
    Complaint,
    DuplicateSubmission,
    OutsideDistrict,
    queue_sequence_name,
    receipt_number,
    receipt_sequence_name,
)
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


class _AlreadyThere(Exception):
    """Raised inside the numbering loop: the client's id exists, take no number."""


class Registration(IntakeBase):
    def register_complaint(self, actor: Actor, submission: Submission) -> Registered:
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

        def take(number: int) -> Complaint:
            if submission.client_id is not None and self.exists(submission.client_id):
                raise _AlreadyThere
            complaint = Complaint(
                receipt_number=receipt_number(district, now.year, number), client_id=submission.client_id,
                channel=channel, complaint_type=submission.complaint_type, field=submission.field,
                region=submission.region, nik=nik, description=submission.description, registered_by=actor,
                source=submission.source, programme=submission.programme, identity=submission.identity,
                contact_phone=submission.contact_phone, fingerprint=fingerprint,
            )
            complaint.queue_registered_notice()
            return complaint

        try:
            complaint = save_with_next_number(self, receipt_sequence_name(district, now.year), take)
        except _AlreadyThere:
            existing = self.load(submission.client_id)  # type: ignore[arg-type]
            if existing.fingerprint != fingerprint:
                raise DuplicateSubmission(
                    f"complaint id {submission.client_id} was already used for a different complaint "
                    f"({existing.receipt_number})") from None
            return Registered(existing.id, existing.receipt_number, existing.queue_number, created=False)
        queue_number = self._take_queue_number(complaint.id, actor) if channel in WALK_IN_CHANNELS else None
        return Registered(complaint.id, complaint.receipt_number, queue_number, created=True)

    def _take_queue_number(self, complaint_id: UUID, actor: Actor) -> int:
        # Per office (the secretariat of the district, or one Puskesos) and local day; saved with the
        # complaint that takes it, so numbers are gap-free even with several desks and replicas.
        office = f"{actor.role.value}:{actor.region}"
        day = self.clock().astimezone(self.rules.timezone).date().isoformat()

        def take(number: int) -> Complaint:
            complaint = self.load(complaint_id)
            complaint.take_queue_number(number, office)
            return complaint

        return save_with_next_number(self, queue_sequence_name(office, day), take).queue_number  # type: ignore[return-value]

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
