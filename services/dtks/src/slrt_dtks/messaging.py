"""What the DTKS service consumes (intake's complaints) and publishes (the check outcome)."""

from __future__ import annotations

from typing import Any

from slrt_contracts import ComplaintRegistered, ContractEvent, DTKSChecked
from slrt_contracts.streams import stream_for
from slrt_runtime.consumers import TrackedConsumer
from slrt_runtime.settings import ServiceSettings

from .application import DTKSApplication
from .domain import RegistryCheck


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
        )
    return None


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
        )
    ]
