"""Events published by the DTKS service: registry checks, registry versions, prelist and verivali.

None carries a NIK or a name: the prelist events say which proposal moved, where (region) and
why (a reason code); the profile stays in the dtks service. Registry versions travel as counts.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from pydantic import Field

from ..actor import Role
from ..base import ContractEvent, Region
from .common import (
    EXAMPLE_COMPLAINT_ID,
    EXAMPLE_RECEIPT,
    EXAMPLE_REGION,
    EXAMPLE_TIME,
    ComplaintType,
    ServiceField,
)


class DTKSStatus(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    NO_NIK = "no_nik"


class DTKSChecked(ContractEvent):
    event_name = "DTKSChecked"
    producer = "dtks"
    subject_pattern = "slrt.{district}.dtks.complaint.checked"
    entity_field = "complaint_id"

    complaint_id: uuid.UUID
    receipt_number: str = Field(max_length=32)
    checked_at: dt.datetime
    status: DTKSStatus
    household_id: str | None = Field(
        default=None, max_length=64, description="Registry household id (not the family-card number)"
    )
    programmes: list[str] = Field(default_factory=list, description="Programme memberships, e.g. PKH")
    welfare_decile: int | None = Field(default=None, ge=1, le=10)
    field: ServiceField
    complaint_type: ComplaintType
    region: Region
    registry_version: str | None = Field(default=None, max_length=64)
    prelist_proposal_id: uuid.UUID | None = Field(
        default=None, description="On not_found: the prelist proposal dtks raised (or found open) for this person"
    )


class RegistryVersionActivated(ContractEvent):
    """A new registry extract is serving; the differences to the previous one, as counts only
    (the per-person differences stay in the dtks service, for staff)."""

    event_name = "RegistryVersionActivated"
    producer = "dtks"
    subject_pattern = "slrt.{district}.dtks.registry.activated"
    entity_field = "registry_version"

    registry_version: str = Field(max_length=64)
    previous_version: str | None = Field(default=None, max_length=64)
    activated_at: dt.datetime
    source: str = Field(max_length=200, description="File name of the extract")
    rows: int = Field(ge=0)
    rows_rejected: int = Field(ge=0)
    rows_warned: int = Field(ge=0, description="Imported rows whose NIK disagrees with birth date, sex or region")
    added: int = Field(ge=0)
    removed: int = Field(ge=0)
    changed: int = Field(ge=0)
    programme_changes: int = Field(ge=0, description="Programme memberships gained or lost")


class PrelistSource(StrEnum):
    COMPLAINT = "complaint"  # raised by dtks when a complaint's person is not in DTKS
    FRONT_OFFICE = "front_office"
    PUSKESOS = "puskesos"
    FACILITATOR = "facilitator"


class PrelistRejectReason(StrEnum):
    NOT_ELIGIBLE = "not_eligible"  # above the welfare threshold
    NOT_FOUND_AT_ADDRESS = "not_found_at_address"
    MOVED = "moved"
    DECEASED = "deceased"
    DUPLICATE = "duplicate"
    INCOMPLETE = "incomplete"
    REFUSED_BY_MINISTRY = "refused_by_ministry"
    OTHER = "other"


class PrelistStage(StrEnum):
    REVIEW = "review"  # supervisor
    RECOMMENDATION = "recommendation"  # manager
    VERIFICATION = "verification"  # field verification (verivali)


class PrelistDecision(StrEnum):
    ACCEPTED = "accepted"  # taken into DTKS by the ministry
    REFUSED = "refused"


class _PrelistEvent(ContractEvent):
    producer = "dtks"
    entity_field = "proposal_id"

    proposal_id: uuid.UUID
    region: Region
    occurred_at: dt.datetime
    by_role: Role


class PrelistProposed(_PrelistEvent):
    """Someone not in DTKS was proposed for inclusion (usulan prelist)."""

    event_name = "PrelistProposed"
    subject_pattern = "slrt.{district}.dtks.prelist.proposed"

    source: PrelistSource
    complaint_id: uuid.UUID | None = None
    household_members: int = Field(default=1, ge=1, le=30)


class PrelistReviewed(_PrelistEvent):
    """The supervisor checked the proposal and passed it on."""

    event_name = "PrelistReviewed"
    subject_pattern = "slrt.{district}.dtks.prelist.reviewed"


class PrelistRecommended(_PrelistEvent):
    """The manager recommended it for field verification."""

    event_name = "PrelistRecommended"
    subject_pattern = "slrt.{district}.dtks.prelist.recommended"


class PrelistVerified(_PrelistEvent):
    """Field verification (verivali) confirmed the household's situation."""

    event_name = "PrelistVerified"
    subject_pattern = "slrt.{district}.dtks.prelist.verified"


class PrelistRejected(_PrelistEvent):
    """Stopped at a stage, with a reason code (the free-text note stays in the service)."""

    event_name = "PrelistRejected"
    subject_pattern = "slrt.{district}.dtks.prelist.rejected"

    stage: PrelistStage
    reason: PrelistRejectReason


class PrelistExported(ContractEvent):
    """A batch of verified proposals was exported for upload to the ministry system."""

    event_name = "PrelistExported"
    producer = "dtks"
    subject_pattern = "slrt.{district}.dtks.prelist.exported"
    entity_field = "batch_id"

    batch_id: uuid.UUID
    exported_at: dt.datetime
    proposals: int = Field(ge=1)
    proposal_ids: list[uuid.UUID] = Field(max_length=100_000)
    by_role: Role


class PrelistDecided(_PrelistEvent):
    """The ministry's decision on an exported proposal."""

    event_name = "PrelistDecided"
    subject_pattern = "slrt.{district}.dtks.prelist.decided"

    decision: PrelistDecision
    batch_id: uuid.UUID | None = None


def examples() -> list[ContractEvent]:
    at = EXAMPLE_TIME
    return [
        DTKSChecked(
            district="1605",
            complaint_id=EXAMPLE_COMPLAINT_ID,
            receipt_number=EXAMPLE_RECEIPT,
            checked_at=at + dt.timedelta(seconds=2),
            status=DTKSStatus.FOUND,
            household_id="HH-1605-000123",
            programmes=["PBI-JK", "PKH"],
            welfare_decile=2,
            field=ServiceField.HEALTH,
            complaint_type=ComplaintType.GRIEVANCE,
            region=EXAMPLE_REGION,
            registry_version="2025-02",
        ),
        RegistryVersionActivated(
            district="1605", registry_version="20250304-2-3f9a0c1b2d4e", previous_version="20250201-1-0a1b2c3d4e5f",
            activated_at=at, source="dtks-1605-2025-03.csv", rows=412_330, rows_rejected=12, rows_warned=85,
            added=1_204, removed=967, changed=3_310, programme_changes=2_045,
        ),
        PrelistProposed(district="1605", proposal_id=_PROPOSAL, region=EXAMPLE_REGION, occurred_at=at,
                        by_role=Role.SERVICE, source=PrelistSource.COMPLAINT, complaint_id=EXAMPLE_COMPLAINT_ID,
                        household_members=4),
        PrelistReviewed(district="1605", proposal_id=_PROPOSAL, region=EXAMPLE_REGION,
                        occurred_at=at + dt.timedelta(days=1), by_role=Role.SUPERVISOR),
        PrelistRecommended(district="1605", proposal_id=_PROPOSAL, region=EXAMPLE_REGION,
                           occurred_at=at + dt.timedelta(days=2), by_role=Role.MANAGER),
        PrelistVerified(district="1605", proposal_id=_PROPOSAL, region=EXAMPLE_REGION,
                        occurred_at=at + dt.timedelta(days=9), by_role=Role.FACILITATOR),
        PrelistRejected(district="1605", proposal_id=_PROPOSAL, region=EXAMPLE_REGION,
                        occurred_at=at + dt.timedelta(days=9), by_role=Role.FACILITATOR,
                        stage=PrelistStage.VERIFICATION, reason=PrelistRejectReason.MOVED),
        PrelistExported(district="1605", batch_id=_BATCH, exported_at=at + dt.timedelta(days=10), proposals=1,
                        proposal_ids=[_PROPOSAL], by_role=Role.DTKS_OPERATOR),
        PrelistDecided(district="1605", proposal_id=_PROPOSAL, region=EXAMPLE_REGION,
                       occurred_at=at + dt.timedelta(days=40), by_role=Role.DTKS_OPERATOR,
                       decision=PrelistDecision.ACCEPTED, batch_id=_BATCH),
    ]


_PROPOSAL = uuid.UUID("5b1d7c3e-2f4a-4e6b-9c8d-0a1b2c3d4e05")
_BATCH = uuid.UUID("9e8d7c6b-5a49-4382-8170-6f5e4d3c2b06")

EVENTS: tuple[type[ContractEvent], ...] = (
    DTKSChecked, RegistryVersionActivated, PrelistProposed, PrelistReviewed, PrelistRecommended, PrelistVerified,
    PrelistRejected, PrelistExported, PrelistDecided,
)

SUBJECT_PARAMETERS: dict[str, dict[str, object]] = {}
"""Documentation of the subject placeholders this module adds (beyond district)."""
