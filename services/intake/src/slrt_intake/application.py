"""Intake application: register and read complaints."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from slrt_contracts import Actor, Channel, ComplaintType, Region, ServiceField
from slrt_contracts.nik import mask_nik
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.numbering import NumberSequence, save_with_next_number

from .domain import (
    Complaint,
    ComplaintNotFound,
    OutsideDistrict,
    complaint_id_for,
    receipt_number,
    receipt_sequence_name,
)


class IntakeApplication(ServiceApplication):
    name = "Intake"
    snapshotting_intervals = {NumberSequence: 100}

    def register_complaint(
        self,
        *,
        actor: Actor,
        channel: Channel,
        complaint_type: ComplaintType,
        field: ServiceField,
        region: Region,
        description: str,
        nik: str | None = None,
    ) -> tuple[UUID, str]:
        district = self.settings.district
        if region.district != district:
            raise OutsideDistrict(f"this SLRT serves district {district}, not {region.district}")
        year = dt.datetime.now(dt.timezone.utc).year
        complaint = save_with_next_number(
            self,
            receipt_sequence_name(district, year),
            lambda n: Complaint(
                receipt_number=receipt_number(district, year, n),
                channel=channel,
                complaint_type=complaint_type,
                field=field,
                region=region,
                nik=nik,
                description=description,
                registered_by=actor,
            ),
        )
        return complaint.id, complaint.receipt_number

    def get_complaint(self, complaint_id: UUID) -> dict[str, Any]:
        try:
            complaint: Complaint = self.repository.get(complaint_id)
        except AggregateNotFoundError:
            raise ComplaintNotFound(f"no complaint {complaint_id}") from None
        return {
            "complaint_id": complaint.id,
            "receipt_number": complaint.receipt_number,
            "registered_at": complaint.registered_at,
            "channel": complaint.channel,
            "complaint_type": complaint.complaint_type,
            "field": complaint.field,
            "region": complaint.region,
            "description": complaint.description,
            "nik_masked": mask_nik(complaint.nik),
            "registered_by": complaint.registered_by,
        }

    def get_complaint_by_receipt(self, receipt: str) -> dict[str, Any]:
        return self.get_complaint(complaint_id_for(receipt))
