"""The complaint domain: the aggregate, its statuses and levels, errors, and notice texts."""

from .complaint import OPEN_REFERRAL_STATES, Complaint, complaint_id_for
from .errors import (
    AppealWindowClosed,
    ComplaintNotFound,
    DuplicateSubmission,
    NotAtThisLevel,
    OutsideDistrict,
    WrongState,
)
from .values import (
    CHANNEL_OF_ROLE,
    DESK_ROLES,
    FIRST_LEVEL,
    HANDLING_ROLES,
    HANDLING_STATUSES,
    LEVEL_ROLE,
    OPEN_STATUSES,
    REGISTERING_ROLES,
    Status,
)


def receipt_number(district: str, year: int, sequence: int) -> str:
    """Resi keluhan: short enough to read over the phone, unique per district."""
    return f"RK-{district}-{year % 100:02d}-{sequence:06d}"


def receipt_sequence_name(district: str, year: int) -> str:
    return f"receipt:{district}:{year}"


def queue_sequence_name(office: str, day: str) -> str:
    """Nomor antrean: counts the walk-ins of one office (secretariat or Puskesos) on one local day."""
    return f"queue:{office}:{day}"


__all__ = [
    "CHANNEL_OF_ROLE", "DESK_ROLES", "FIRST_LEVEL", "HANDLING_ROLES", "HANDLING_STATUSES", "LEVEL_ROLE",
    "OPEN_REFERRAL_STATES", "OPEN_STATUSES", "REGISTERING_ROLES", "AppealWindowClosed", "Complaint",
    "ComplaintNotFound", "DuplicateSubmission", "NotAtThisLevel", "OutsideDistrict", "Status", "WrongState",
    "complaint_id_for", "queue_sequence_name", "receipt_number", "receipt_sequence_name",
]
