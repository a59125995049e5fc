"""The referral domain: the programme catalogue, what the service knows of each complaint, referrals."""

from .catalogue import Catalogue, Programme, ProgrammeNotFound
from .complaints import Complaint, ComplaintNotKnown, DTKSResult
from .referrals import ReasonRequired, Referral, ReferralNotFound, ReferralStatus

__all__ = [
    "Catalogue",
    "Complaint",
    "ComplaintNotKnown",
    "DTKSResult",
    "Programme",
    "ProgrammeNotFound",
    "ReasonRequired",
    "Referral",
    "ReferralNotFound",
    "ReferralStatus",
]
