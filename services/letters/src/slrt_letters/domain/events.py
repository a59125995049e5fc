"""The base of the Letter's events after the request: they carry the letter's public identity, so the
outbox relay can publish them from the event alone, without loading the aggregate."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate


class LetterEvent(Aggregate.Event):
    district: str
    region: str
    letter_type: str
    complaint_id: UUID | None
    receipt_number: str | None
