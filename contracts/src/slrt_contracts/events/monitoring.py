"""Events published by the monitoring service, e.g. the anonymised aggregates of the national stream."""

from __future__ import annotations

from ..base import ContractEvent


def examples() -> list[ContractEvent]:
    return []


EVENTS: tuple[type[ContractEvent], ...] = ()

SUBJECT_PARAMETERS: dict[str, dict[str, object]] = {}
"""Documentation of the subject placeholders this module adds (beyond district)."""
