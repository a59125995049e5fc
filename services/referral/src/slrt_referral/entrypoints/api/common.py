from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field
from slrt_contracts.base import AgencyCode

from ...application import ReferralApplication


def application(request: Request) -> ReferralApplication:
    return request.app.state.application


App = Annotated[ReferralApplication, Depends(application)]

PROGRAMME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$"
ProgrammeCode = Annotated[str, Field(pattern=PROGRAMME_PATTERN, examples=["PBI-JK"], description="Programme code")]

__all__ = ["App", "AgencyCode", "ProgrammeCode", "PROGRAMME_PATTERN"]
