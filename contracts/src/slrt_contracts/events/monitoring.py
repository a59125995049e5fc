"""Events published by the monitoring service, e.g. the anonymised aggregates of the national stream."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..base import ContractEvent
from .common import EXAMPLE_TIME


class AggregateCell(BaseModel):
    """One count of the national stream. Counts from 1 to 4 are never sent: ``count`` is null and
    ``suppressed`` true, so that no household of a small area can be recognised."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str = Field(pattern=r"^[a-z][a-z_]{1,39}$", description="What is counted, e.g. complaints, status")
    key: str = Field(max_length=120, pattern=r"^[A-Za-z0-9_|+.-]{1,120}$", description="Category, e.g. resolved")
    region: str = Field(pattern=r"^\d{4}(\d{2})?$", description="District or sub-district code (never a village)")
    count: int | None = Field(default=None, ge=0)
    suppressed: bool = False

    @model_validator(mode="after")
    def _small_cells_suppressed(self) -> "AggregateCell":
        if self.suppressed != (self.count is None):
            raise ValueError("a suppressed cell has no count, and an unsuppressed one has a count")
        if self.count is not None and 0 < self.count < 5:
            raise ValueError("counts from 1 to 4 must be suppressed")
        return self


class DistrictAggregatesPublished(ContractEvent):
    """A district's anonymised monev figures for the national secretariat: counts only, no ids."""

    event_name = "DistrictAggregatesPublished"
    producer = "monitoring"
    subject_pattern = "slrt.{district}.monitoring.aggregates"
    entity_field = "snapshot_id"

    snapshot_id: uuid.UUID
    period: str = Field(max_length=16, description="Monev period: YYYY, YYYY-S1, YYYY-Q3, YYYY-M11, or 'semua'")
    period_from: str = Field(pattern=r"^\d{4}-\d{2}$")
    period_to: str = Field(pattern=r"^\d{4}-\d{2}$")
    generated_at: dt.datetime = Field(description="When the snapshot was made, with its UTC offset")
    sequence: int | None = Field(
        default=None, ge=0,
        description="How far the district's history goes in this snapshot (the sum of the positions of the events its "
                    "figures include): never lower in a later snapshot, so it orders two snapshots made at the same "
                    "instant. Absent from snapshots of older publishers.")
    cells: list[AggregateCell] = Field(max_length=20000)


def examples() -> list[ContractEvent]:
    return [
        DistrictAggregatesPublished(
            district="1605",
            snapshot_id=uuid.UUID("5b0f7d7e-2a3c-4e61-9f0a-7c1d2e3f4a05"),
            period="2025-Q1", period_from="2025-01", period_to="2025-03",
            generated_at=EXAMPLE_TIME, sequence=48211,
            cells=[
                AggregateCell(metric="complaints", key="all", region="1605", count=182),
                AggregateCell(metric="status", key="resolved", region="1605", count=97),
                AggregateCell(metric="complaints", key="all", region="160501", suppressed=True),
            ],
        ),
    ]


EVENTS: tuple[type[ContractEvent], ...] = (DistrictAggregatesPublished,)

SUBJECT_PARAMETERS: dict[str, dict[str, object]] = {}
"""Documentation of the subject placeholders this module adds (beyond district)."""
