"""Which intake domain events are public, and as what contract event."""

from __future__ import annotations

from typing import Any

from slrt_contracts import ComplaintRegistered, ContractEvent

from .domain import Complaint


def to_contract(domain_event: Any) -> ContractEvent | None:
    if isinstance(domain_event, Complaint.Registered):
        return ComplaintRegistered(
            district=domain_event.region.district,
            complaint_id=domain_event.originator_id,
            receipt_number=domain_event.receipt_number,
            registered_at=domain_event.timestamp,
            channel=domain_event.channel,
            complaint_type=domain_event.complaint_type,
            field=domain_event.field,
            region=domain_event.region,
            nik=domain_event.nik,
            recorded_by=domain_event.registered_by,
        )
    return None
