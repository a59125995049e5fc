"""The integration events of the SLRT platform, one module per producing service.

Each module defines its events, ``EVENTS`` (the tuple of them), ``examples()`` (one synthetic,
valid instance of each, used by the generated schemas) and ``SUBJECT_PARAMETERS`` (documentation
of its subject placeholders). This package collects them.

Personal data rule: personal data travels only where the receiving service needs it (DTKS check)
or with the complainant's consent, and says which; monitoring and the national stream see none of it.
"""

from __future__ import annotations

from types import ModuleType

from ..base import ContractEvent
from . import agency, common, dtks, intake, letters, monitoring, referral
from .common import Channel, ComplaintType, ServiceField
from .dtks import DTKSChecked, DTKSStatus
from .intake import ComplaintRegistered
from .letters import LetterInitialled, LetterRequested, LetterSigned, ParafStep
from .referral import ReferralAnswered, ReferralDecision, ReferralSent

PRODUCER_MODULES: tuple[ModuleType, ...] = (intake, dtks, referral, agency, letters, monitoring)

ALL_EVENTS: tuple[type[ContractEvent], ...] = tuple(cls for m in PRODUCER_MODULES for cls in m.EVENTS)

EVENTS_BY_TYPE: dict[str, type[ContractEvent]] = {cls.ce_type(): cls for cls in ALL_EVENTS}

DISTRICT_PARAMETER: dict[str, object] = {
    "description": "District/city (kabupaten/kota) code: 4 digits, province (2) + district (2), e.g. 1605",
    "examples": ["1605"],
}


def subject_parameters() -> dict[str, dict[str, object]]:
    """Documentation of every subject placeholder, for the AsyncAPI document."""
    merged: dict[str, dict[str, object]] = {"district": DISTRICT_PARAMETER}
    for module in PRODUCER_MODULES:
        for name, doc in module.SUBJECT_PARAMETERS.items():
            if name in merged and merged[name] != doc:
                raise ValueError(f"subject parameter {name!r} documented differently in {module.__name__}")
            merged[name] = doc
    return merged


def example_events() -> dict[type[ContractEvent], ContractEvent]:
    """A valid example of every event in :data:`ALL_EVENTS` (synthetic data, deterministic)."""
    by_type = {type(e): e for m in PRODUCER_MODULES for e in m.examples()}
    missing = [cls.__name__ for cls in ALL_EVENTS if cls not in by_type]
    if missing:  # a new event must come with an example
        raise RuntimeError(f"no example for {', '.join(missing)}")
    return {cls: by_type[cls] for cls in ALL_EVENTS}


__all__ = [
    "ALL_EVENTS",
    "EVENTS_BY_TYPE",
    "Channel",
    "ComplaintRegistered",
    "ComplaintType",
    "DTKSChecked",
    "DTKSStatus",
    "LetterInitialled",
    "LetterRequested",
    "LetterSigned",
    "ParafStep",
    "ReferralAnswered",
    "ReferralDecision",
    "ReferralSent",
    "ServiceField",
    "common",
    "example_events",
    "subject_parameters",
]
