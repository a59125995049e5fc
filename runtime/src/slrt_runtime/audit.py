"""A case's history as an audit trail: who did what, when, at which level, read from the aggregate's
own stored events (the record itself, not a copy that could drift from it).

Each service names, per event, the step it shows and the few facts of it the trail may carry. That
is a whitelist on purpose: a fact not named never leaves, so an event that carries a NIK or a name
(a registration's identity block) cannot leak through the trail to a role that may not see it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field
from slrt_contracts import Actor


class AuditEntry(BaseModel):
    step: str = Field(description="What was done, a code of the service (e.g. approved, answered)")
    at: dt.datetime
    by: Actor | None = Field(description="Who did it (role, region, agency, account id); none when the "
                                         "platform itself did it (a missed deadline)")
    details: dict[str, Any] = Field(default_factory=dict, description="The step's facts: level, reason, due time...")


@dataclass(frozen=True)
class Step:
    """How one kind of event shows in the trail: its step name, the attribute holding the actor, and
    the facts it shows (``details(event)``: only primitives, never personal data)."""

    name: str
    actor: str | None = None
    details: Callable[[Any], Mapping[str, Any]] | None = None


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    return value


def trail(application: Any, aggregate_id: UUID, steps: Mapping[str, Step]) -> list[dict[str, Any]]:
    """The aggregate's events as audit entries, oldest first; events not named in ``steps`` are left out."""
    entries = []
    for event in application.repository.event_store.get(aggregate_id):
        step = steps.get(type(event).__name__)
        if step is None:
            continue
        by = getattr(event, step.actor, None) if step.actor else None
        details = {k: _plain(v) for k, v in (step.details(event) if step.details else {}).items() if v is not None}
        entries.append({"step": step.name, "at": event.timestamp, "by": by if isinstance(by, Actor) else None,
                        "details": details})
    return entries
