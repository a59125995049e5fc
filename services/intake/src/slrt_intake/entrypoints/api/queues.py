"""HTTP API: work queues per role and region, with filters, paging and counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from slrt_contracts import Channel, ComplaintType, Offset, ServiceField
from slrt_contracts.events.intake import ProgrammeCode
from slrt_runtime.auth import CurrentActor
from slrt_runtime.validation import KnownRegionCode

from ...domain import Status
from ...application.queues import Queue

router = APIRouter(prefix="/queues", tags=["queues"])


@router.get("/{queue}", summary="A work queue: front-office, puskesos, back-office, supervisor, manager")
def work_queue(
    queue: Queue,
    request: Request,
    actor: CurrentActor,
    region: Annotated[KnownRegionCode | None,
                      Query(description="Narrow to a sub-district or village inside your region")] = None,
    status: Status | None = None,
    field: ServiceField | None = None,
    channel: Channel | None = None,
    complaint_type: ComplaintType | None = None,
    programme: ProgrammeCode | None = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    filters = {name: value.value if hasattr(value, "value") else value
               for name, value in (("status", status), ("field", field), ("channel", channel),
                                   ("complaint_type", complaint_type), ("programme", programme))
               if value is not None}
    return request.app.state.queues.list(queue, actor, region=region, filters=filters, overdue=overdue,
                                         limit=limit, offset=offset)
