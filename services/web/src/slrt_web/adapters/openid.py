"""Sign-in with the district's OpenID provider: authorization code with PKCE (authlib's Starlette
client), token refresh, and RP-initiated sign-out where the provider offers it.

Who the user is for SLRT comes from the access token, verified as the services verify it (same
issuer, audience and claims mapping), so the pages never disagree with the services about a role.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio
from slrt_runtime.auth import AuthError
from slrt_runtime.oauth import OAuth, OAuthError
from slrt_runtime.oidc import OidcAuthenticator
from slrt_runtime.production import require_client, require_issuer
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..domain.people import WEB_ROLES, SignedInUser
from ..domain.sign_in import SignInError
from ..settings import SignInMethod, WebSettings

NAME = "district"
log = logging.getLogger(__name__)


class OpenIdSignIn:
    method = SignInMethod.OIDC

    def __init__(self, settings: WebSettings, verifier: OidcAuthenticator) -> None:
        require_issuer("web", settings)
        require_client("web", settings)
        self.settings, self.verifier = settings, verifier
        # RFC 8707: providers that pick the token's audience by resource (oidc-provider) need it on
        # the authorization and every token request; Keycloak uses an audience mapper instead.
        self.resource = {"resource": settings.auth_resource} if settings.auth_resource else {}
        self.oauth = OAuth()
        self.oauth.register(
            NAME, client_id=settings.auth_client_id, client_secret=settings.auth_client_secret.get_secret_value(),
            server_metadata_url=f"{settings.auth_issuer.rstrip('/')}/.well-known/openid-configuration",
            client_kwargs={"scope": settings.sign_in_scopes, "code_challenge_method": "S256",
                           "timeout": settings.api_timeout_seconds},
        )
        self.client = self.oauth.create_client(NAME)

    def _callback(self, request: Request) -> str:
        return self.settings.sign_in_callback_url or str(request.url_for("sign_in_callback"))

    async def start(self, request: Request) -> Response:
        """Off to the provider's login page; the PKCE verifier, state and nonce wait in the session."""
        return await self.client.authorize_redirect(request, self._callback(request), **self.resource)

    async def _user(self, token: dict[str, Any], name: str | None) -> SignedInUser:
        try:
            actor = await anyio.to_thread.run_sync(self.verifier.authenticate, token["access_token"])
        except AuthError:
            raise SignInError("role") from None  # no SLRT role and region for this account
        if actor.role not in WEB_ROLES:
            raise SignInError("role")
        expires_at = int(token.get("expires_at") or time.time() + int(token.get("expires_in", 300)))
        return SignedInUser(sub=actor.id, role=actor.role, region=actor.region, token=token["access_token"],
                            agency=actor.agency, display_name=(name or "")[:40] or None,
                            refresh_token=token.get("refresh_token"), expires_at=expires_at)

    async def finish(self, request: Request) -> SignedInUser:
        """The provider sent the user back with a code: exchange it (with the PKCE verifier)."""
        try:
            token = await self.client.authorize_access_token(request, **self.resource)
        except OAuthError:
            raise SignInError("provider") from None
        userinfo = token.get("userinfo") or {}
        return await self._user(token, userinfo.get("name"))

    async def refresh(self, user: SignedInUser) -> SignedInUser | None:
        """A fresh access token before the old one expires; None: the user signs in again."""
        if not user.refresh_token:
            return None
        try:
            token = await self.client.fetch_access_token(grant_type="refresh_token",
                                                         refresh_token=user.refresh_token, **self.resource)
        except (OAuthError, OSError) as e:
            log.info("token refresh refused (%s): the user signs in again", getattr(e, "error", type(e).__name__))
            return None
        token.setdefault("refresh_token", user.refresh_token)  # providers may keep the same one
        try:
            return await self._user(token, user.display_name)
        except SignInError:
            return None

    async def sign_out(self, request: Request) -> Response:
        """RP-initiated logout: the provider ends its own session too, then sends the user home."""
        home = str(request.url_for("home"))
        try:
            logout = await self.client.create_logout_url(post_logout_redirect_uri=home,
                                                         client_id=self.settings.auth_client_id)
        except (RuntimeError, OAuthError, OSError):
            return RedirectResponse("/", 303)  # the provider offers no end-session endpoint
        return RedirectResponse(logout["url"], 303)
