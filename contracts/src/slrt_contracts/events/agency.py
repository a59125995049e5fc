"""Events published by agencies (OPD) themselves, e.g. their answers to referrals."""

from __future__ import annotations

from ..base import ContractEvent


def examples() -> list[ContractEvent]:
    return []


EVENTS: tuple[type[ContractEvent], ...] = ()

SUBJECT_PARAMETERS: dict[str, dict[str, object]] = {}
"""Documentation of the subject placeholders this module adds (beyond district)."""
