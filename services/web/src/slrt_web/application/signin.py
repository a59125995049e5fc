"""Sign-in is one pluggable place, chosen by ``SLRT_SIGN_IN``. The embedded default is a development
sign-in (choose role, region and agency; the token comes from the services' development issuer).
``oidc`` signs in with the district's identity provider (authorization code + PKCE,
:mod:`slrt_web.adapters.openid`): the user leaves for the provider's login page (``start``) and comes
back with a code (``finish``); its tokens are refreshed before they expire."""

from __future__ import annotations

import re
import secrets
from typing import Protocol

from slrt_contracts import Role
from slrt_runtime.production import StartRefused, oidc_authenticator
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..adapters.openid import OpenIdSignIn
from ..adapters.services import Intake
from ..domain.people import WEB_ROLES, SignedInUser
from ..domain.sign_in import SignInError
from ..settings import SignInMethod, WebSettings

REGION = re.compile(r"^\d{4}(\d{2}(\d{4})?)?$")
AGENCY = re.compile(r"^[a-z][a-z0-9-]{1,31}$")  # the catalogue's agency codes (e.g. dinkes)

__all__ = ["SignIn", "SignInError", "sign_in_for"]


class SignIn(Protocol):
    method: SignInMethod

    async def refresh(self, user: SignedInUser) -> SignedInUser | None: ...

    async def sign_out(self, request: Request) -> Response: ...


class DevelopmentSignIn:
    """Never for production: anybody may pick any role. The page says so in red."""

    method = SignInMethod.DEVELOPMENT

    def __init__(self, intake: Intake, district: str) -> None:
        self.intake, self.district = intake, district

    async def sign_in(self, form: dict[str, str]) -> SignedInUser:
        try:
            role = Role(form.get("role", ""))
        except ValueError:
            raise SignInError("role") from None
        if role is Role.SERVICE:
            raise SignInError("service")
        if role not in WEB_ROLES:
            raise SignInError("role")
        region = (form.get("region") or self.district).strip()
        if not REGION.match(region) or not region.startswith(self.district):
            raise SignInError("region")
        name = (form.get("name") or "").strip()[:40] or None
        sub = f"dev-{role.value}-{region}-{secrets.token_hex(3)}"
        # An agency officer acts for one agency (their inbox is that agency's); nobody else has one.
        agency = ((form.get("agency") or "").strip().lower() or None) if role is Role.AGENCY else None
        if role is Role.AGENCY and (agency is None or not AGENCY.match(agency)):
            raise SignInError("agency")
        token = await self.intake.dev_token(sub, role.value, region, agency)
        return SignedInUser(sub=sub, role=role, region=region, token=token, agency=agency, display_name=name)

    async def refresh(self, user: SignedInUser) -> SignedInUser | None:
        return user  # development tokens last the whole session

    async def sign_out(self, request: Request) -> Response:
        return RedirectResponse("/", 303)


def sign_in_for(settings: WebSettings, intake: Intake) -> SignIn:
    if settings.sign_in is SignInMethod.DEVELOPMENT:
        if not settings.auth_dev_issuer:
            raise StartRefused("web", "SLRT_SIGN_IN is development, which lets anyone pick any role; "
                                      "set SLRT_SIGN_IN=oidc")
        return DevelopmentSignIn(intake, settings.district)
    return OpenIdSignIn(settings, oidc_authenticator("web", settings))
