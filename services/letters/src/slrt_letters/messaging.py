"""Which letters domain events are public, and as what contract event.

Personal data rule: the citizen's NIK and name stay in this service (the letter prints them);
no contract event carries them. Subscribers learn *that* a letter moved, for whom only by the
complaint it belongs to.
"""

from __future__ import annotations

from typing import Any

from slrt_contracts import ContractEvent, LetterInitialled, LetterRequested, LetterSigned

from .domain import Letter


def to_contract(domain_event: Any) -> ContractEvent | None:
    if isinstance(domain_event, Letter.Requested):
        return LetterRequested(
            district=domain_event.district,
            letter_id=domain_event.originator_id,
            letter_type=domain_event.letter_type,
            complaint_id=domain_event.complaint_id,
            receipt_number=domain_event.receipt_number,
            requested_at=domain_event.timestamp,
            requested_by=domain_event.requested_by,
        )
    if isinstance(domain_event, Letter.Initialled):
        return LetterInitialled(
            district=domain_event.district,
            letter_id=domain_event.originator_id,
            letter_type=domain_event.letter_type,
            complaint_id=domain_event.complaint_id,
            receipt_number=domain_event.receipt_number,
            step=domain_event.step,
            initialled_at=domain_event.timestamp,
            initialled_by=domain_event.by,
        )
    if isinstance(domain_event, Letter.Signed):
        return LetterSigned(
            district=domain_event.district,
            letter_id=domain_event.originator_id,
            letter_type=domain_event.letter_type,
            letter_number=domain_event.letter_number,
            complaint_id=domain_event.complaint_id,
            receipt_number=domain_event.receipt_number,
            signed_at=domain_event.timestamp,
            signed_by=domain_event.by,
        )
    return None  # number sequences and anything else stay private
