"""Reading events generically: the contract modules grow while monitoring runs, so projections
look fields up by name instead of importing every class."""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from typing import Any

from slrt_contracts import ContractEvent

TIME_FIELDS = ("registered_at", "checked_at", "sent_at", "answered_at", "requested_at", "initialled_at",
               "signed_at", "issued_at", "revoked_at", "proposed_at", "verified_at", "occurred_at", "at")


def get(event: ContractEvent, *names: str) -> Any:
    """The first of the named fields that is set, as a plain value (enum → value, UUID → str)."""
    fields = event.__dict__  # pydantic keeps field values here; getattr on a missing name is slow
    for name in names:
        v = fields.get(name)
        if v is None:
            continue
        if type(v) is str:  # the common case first: this runs for every field of every event
            return v
        if isinstance(v, enum.Enum):
            return v._value_  # .value goes through a descriptor, ten times slower
        if isinstance(v, uuid.UUID):
            return str(v)
        return v
    return None


def event_time(event: ContractEvent) -> str:
    """When the fact happened, as ISO text. Deterministic: never the clock, so a rebuild agrees."""
    fields = event.__dict__
    for name in TIME_FIELDS:
        v = fields.get(name)
        if isinstance(v, dt.datetime):
            return _iso(v)
    for name, v in fields.items():
        if name.endswith("_at") and name != "due_at" and isinstance(v, dt.datetime):
            return _iso(v)
    due = fields.get("due_at")
    return _iso(due) if isinstance(due, dt.datetime) else "0000-00-00T00:00:00+00:00"


_UTC_ZONES: set[dt.tzinfo] = {dt.timezone.utc}
"""Zones known to be UTC. pydantic makes a zone object per datetime, equal (and hashing equal) by
offset, so one of its UTC zones in the set answers for all of them — fast, and exact."""


def _iso(v: dt.datetime) -> str:
    tz = v.tzinfo
    if tz in _UTC_ZONES:
        return v.isoformat()
    if tz is None:
        v = v.replace(tzinfo=dt.timezone.utc)
    elif v.utcoffset() == dt.timedelta(0):
        _UTC_ZONES.add(tz)
        return v.isoformat()
    return v.astimezone(dt.timezone.utc).isoformat()


def month(at: str | None) -> str:
    return at[:7] if at else ""


def region_of(event: ContractEvent) -> str:
    """The most precise region code an event names (village, else sub-district, else district)."""
    region = event.__dict__.get("region")
    if isinstance(region, str) and region.isdigit():
        return region  # some events name the region by its code only
    if region is not None and hasattr(region, "village"):
        return region.village
    return event.district


def suffix(event_name: str, prefix: str) -> str:
    """``PrelistVerified`` → ``verified``; ``ReferralOutcomeReported`` → ``outcome_reported``."""
    rest = event_name[len(prefix):] if event_name.startswith(prefix) else event_name
    return re.sub(r"(?<!^)(?=[A-Z])", "_", rest).lower()


def seconds_between(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    return max(0, int((dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)).total_seconds()))
