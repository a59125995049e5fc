from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..application import ReferralApplication


def application(request: Request) -> ReferralApplication:
    return request.app.state.application


App = Annotated[ReferralApplication, Depends(application)]
