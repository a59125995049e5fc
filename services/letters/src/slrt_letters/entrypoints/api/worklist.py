"""HTTP API: the letters of a region and each signer's queue, oldest step first, with due times,
overdue marks, counts and paging (the read model of :mod:`slrt_letters.application.queues`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from slrt_contracts import Actor, Offset
from slrt_contracts.events.letters import LetterTypeCode
from slrt_runtime.auth import require_roles

from .common import PARAF_ROLES, SIGNING_ROLES, STAFF_ROLES
from .models import LetterList, Status, WaitingFor

router = APIRouter(prefix="/letters", tags=["letters"])

Staff = Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("", response_model=LetterList, summary="Letters of your region (or a part of it), oldest step first, with due times and counts")
def list_letters(
    request: Request,
    actor: Staff,
    status: Status | None = None,
    letter_type: LetterTypeCode | None = None,
    waiting_for: Annotated[WaitingFor | None, Query(
        description="Whose paraf (kasi, kabid, sekdin) or the signature (sign) the letter waits for. "
        "Left out with status=awaiting_paraf, a Kasi, Kabid or Sekdin gets the letters waiting for their own paraf")] = None,
    region: Annotated[str | None, Query(pattern=r"^\d{4}(\d{2}(\d{4})?)?$",
                                        description="Narrow to a sub-district or village inside your region")] = None,
    overdue: Annotated[bool | None, Query(description="Only letters past (true) or within (false) their step's due time")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    return request.app.state.queues.list(actor, region=region, status=status, letter_type=letter_type,
                                         waiting_for=waiting_for, overdue=overdue, limit=limit, offset=offset)


@router.get("/queue", response_model=LetterList, summary="What waits for you: your paraf (Kasi, Kabid, Sekdin) or your signature (Kadin, "
            "and the Sekdin where the letter type lets them sign), oldest first")
def signer_queue(
    request: Request,
    actor: Annotated[Actor, Depends(require_roles(*PARAF_ROLES, *SIGNING_ROLES))],
    overdue: bool | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    return request.app.state.queues.queue(actor, overdue=overdue, limit=limit, offset=offset)
