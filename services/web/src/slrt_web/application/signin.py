"""Sign-in is one pluggable place. The embedded default is a development sign-in (choose role,
region and agency; the token comes from the services' development issuer). Production plugs in
OpenID Connect here (authorization code + PKCE with the district's identity provider): a class with
the same two methods, chosen by ``SLRT_SIGN_IN``; nothing else in the application changes."""

from __future__ import annotations

import re
import secrets
from typing import Protocol

from slrt_contracts import Role

from ..adapters.services import Intake
from ..domain.people import WEB_ROLES, SignedInUser
from ..settings import SignInMethod, WebSettings

REGION = re.compile(r"^\d{4}(\d{2}(\d{4})?)?$")
AGENCY = re.compile(r"^[a-z][a-z0-9-]{1,31}$")  # the catalogue's agency codes (e.g. dinkes)


class SignInError(Exception):
    pass


class SignIn(Protocol):
    method: SignInMethod

    async def sign_in(self, form: dict[str, str]) -> SignedInUser: ...


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


def sign_in_for(settings: WebSettings, intake: Intake) -> SignIn:
    if settings.sign_in is SignInMethod.DEVELOPMENT:
        if not settings.auth_dev_issuer:
            raise RuntimeError("development sign-in needs the services' development issuer (SLRT_AUTH_DEV_ISSUER)")
        return DevelopmentSignIn(intake, settings.district)
    raise RuntimeError("OpenID Connect sign-in is not built yet (a later issue); use SLRT_SIGN_IN=development")
