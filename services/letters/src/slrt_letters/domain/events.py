"""The base of the Letter's events after the request: they carry the letter's public identity, so the
outbox relay can publish them from the event alone, without loading the aggregate."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate


class LetterEvent(Aggregate.Event):
    district: str
    region: str
    letter_type: str
    complaint_id: UUID | None
    receipt_number: str | None


V1_TYPES = {"rekomendasi-pbi-daerah": "rec-kis-pbid-enrolment"}
"""Letter type codes of v1 events and their catalogue codes (agreement 7)."""


def add_region(state: dict[str, Any]) -> None:
    """v1 paraf and signature events had no region: a v1 letter belonged to the whole district."""
    state.setdefault("region", state["district"])
    state["letter_type"] = V1_TYPES.get(state["letter_type"], state["letter_type"])
