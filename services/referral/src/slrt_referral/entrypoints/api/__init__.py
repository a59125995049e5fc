"""HTTP API of the referral service."""

from .catalogue import router as catalogue_router
from .referrals import router as referrals_router

routers = [catalogue_router, referrals_router]

__all__ = ["routers"]
