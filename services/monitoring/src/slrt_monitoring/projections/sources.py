"""What monitoring reads: the producers' streams it projects, and the event types it knows. Shared by the
live consumers (entrypoints/messaging.py) and the rebuild from the streams (application/rebuild.py)."""

from __future__ import annotations

from slrt_contracts import EVENTS_BY_TYPE
from slrt_contracts.envelope import CE_TYPE
from slrt_contracts.streams import PRODUCER_STREAMS

# Agencies publish their raw answers on the agency stream; the referral service turns them into
# ReferralAnswered, which monitoring reads. Its own aggregates (monitoring stream) are no input either.
SOURCE_PRODUCERS = tuple(p for p in PRODUCER_STREAMS if p not in ("monitoring", "agency"))


def known_type(headers: dict[str, str]) -> bool:
    """Unknown (newer) event types are acknowledged and ignored, never dead-lettered."""
    ce_type = headers.get(CE_TYPE)
    return not ce_type or ce_type in EVENTS_BY_TYPE  # no type at all is a bad message: dead-letter it
