"""What the DTKS service consumes (intake's complaints) and publishes: check outcomes, registry
versions (counts), prelist steps. Domain events are translated here into the integration events of
``slrt_contracts.events.dtks``; what has no translation (a proposal's key, its per-proposal export
mark) stays inside the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from slrt_contracts import ComplaintRegistered, ContractEvent, DTKSChecked
from slrt_contracts.events.dtks import (
    PrelistDecided,
    PrelistExported,
    PrelistProposed,
    PrelistRecommended,
    PrelistRejected,
    PrelistReviewed,
    PrelistVerified,
    RegistryVersionActivated,
)
from slrt_contracts.streams import stream_for
from slrt_runtime.consumers import TrackedConsumer
from slrt_runtime.settings import ServiceSettings

from ..application import DTKSApplication
from ..domain.checks import RegistryCheck, RegistryReactivation, RegistryVersionRecord
from ..domain.prelist import Batch, Proposal

_STEPS = {"Reviewed": PrelistReviewed, "Recommended": PrelistRecommended, "Verified": PrelistVerified}


def to_contract(domain_event: Any) -> ContractEvent | None:
    if isinstance(domain_event, RegistryCheck.Created):
        return DTKSChecked(
            district=domain_event.region.district,
            complaint_id=domain_event.complaint_id,
            receipt_number=domain_event.receipt_number,
            checked_at=domain_event.timestamp,
            status=domain_event.status,
            household_id=domain_event.household_id,
            programmes=list(domain_event.programmes),
            welfare_decile=domain_event.welfare_decile,
            field=domain_event.field,
            complaint_type=domain_event.complaint_type,
            region=domain_event.region,
            registry_version=domain_event.registry_version,
            prelist_proposal_id=getattr(domain_event, "prelist_proposal_id", None),
        )
    if isinstance(domain_event, (RegistryVersionRecord.Activated, RegistryReactivation.Reactivated)):
        # An older version made active again is announced as any activation: the counts are then the
        # differences to the version it replaced; who and why stay in the service.
        return RegistryVersionActivated(
            district=domain_event.district, registry_version=domain_event.registry_version,
            previous_version=domain_event.previous_version,
            activated_at=dt.datetime.fromisoformat(domain_event.activated_at), source=domain_event.source,
            rows=domain_event.rows, rows_rejected=domain_event.rows_rejected, rows_warned=domain_event.rows_warned,
            added=domain_event.added, removed=domain_event.removed, changed=domain_event.changed,
            programme_changes=domain_event.programme_changes,
        )
    return _prelist_contract(domain_event)


def _prelist_contract(domain_event: Any) -> ContractEvent | None:
    """Prelist events carry the proposal id, region and codes; the profile never leaves the service."""
    if isinstance(domain_event, Batch.Exported):
        return PrelistExported(district=domain_event.district, batch_id=domain_event.originator_id,
                               exported_at=domain_event.timestamp, proposals=len(domain_event.proposal_ids),
                               proposal_ids=list(domain_event.proposal_ids), by_role=domain_event.exported_by.role)
    if isinstance(domain_event, Proposal.Proposed):
        return PrelistProposed(
            district=domain_event.region.district, proposal_id=domain_event.originator_id, region=domain_event.region,
            occurred_at=domain_event.timestamp, by_role=domain_event.proposed_by.role, source=domain_event.source,
            complaint_id=domain_event.complaint_id,
            household_members=int(domain_event.profile.get("household_members") or 1))
    name = type(domain_event).__name__
    if not isinstance(domain_event, Proposal.Event) or name not in (*_STEPS, "Rejected", "Decided"):  # type: ignore[attr-defined]
        return None
    common = {"district": domain_event.region.district, "proposal_id": domain_event.originator_id,
              "region": domain_event.region, "occurred_at": domain_event.timestamp, "by_role": domain_event.by.role}
    if name in _STEPS:
        return _STEPS[name](**common)
    if name == "Rejected":
        return PrelistRejected(**common, stage=domain_event.stage, reason=domain_event.reason)
    return PrelistDecided(**common, decision=domain_event.decision, batch_id=getattr(domain_event, "batch_id", None))


def consumers(app: DTKSApplication, settings: ServiceSettings) -> list[TrackedConsumer]:
    district = settings.district
    return [
        TrackedConsumer(
            name="dtks-complaints",
            stream=stream_for("intake"),
            subject=f"slrt.{district}.intake.complaint.registered",
            handle=app.check_complaint,
            district=district,
            accepts=(ComplaintRegistered,),
            max_deliver=settings.consumer_max_deliver,
            ack_wait_seconds=settings.consumer_ack_wait_seconds,
            batch_scope=app.batch,  # a fetched batch of checks is committed in one transaction
        )
    ]
