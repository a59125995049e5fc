"""SLRT integration-event contracts. Depends on pydantic and python-stdnum only, so an agency can
install this package alone to read and answer the events addressed to it."""

from .actor import Actor, Role, service_actor
from .base import ContractEvent, Region
from .envelope import EnvelopeError, decode, encode
from .events import (
    ALL_EVENTS,
    EVENTS_BY_TYPE,
    Channel,
    ComplaintRegistered,
    ComplaintType,
    DTKSChecked,
    DTKSStatus,
    LetterInitialled,
    LetterRequested,
    LetterSigned,
    ParafStep,
    ReferralAnswered,
    ReferralDecision,
    ReferralSent,
    ServiceField,
)
from .nik import NIK, InvalidNIK, check_nik_holder, nik_contradictions, nik_parts, validate_nik
from .values import NotificationId, Offset, ReceiptNumber, Text

__all__ = [
    "ALL_EVENTS",
    "EVENTS_BY_TYPE",
    "NIK",
    "NotificationId",
    "Offset",
    "Actor",
    "Channel",
    "ComplaintRegistered",
    "ComplaintType",
    "ContractEvent",
    "DTKSChecked",
    "DTKSStatus",
    "EnvelopeError",
    "InvalidNIK",
    "LetterInitialled",
    "LetterRequested",
    "LetterSigned",
    "ParafStep",
    "ReferralAnswered",
    "ReferralDecision",
    "ReceiptNumber",
    "ReferralSent",
    "Region",
    "Role",
    "ServiceField",
    "Text",
    "decode",
    "encode",
    "nik_parts",
    "check_nik_holder",
    "nik_contradictions",
    "service_actor",
    "validate_nik",
]
