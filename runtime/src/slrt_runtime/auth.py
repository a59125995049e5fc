"""Authentication is one pluggable dependency; the embedded default uses a local token issuer.

Tokens are JWTs whose claims carry the actor: ``sub`` (id), ``role``, ``region`` and, for agencies,
``agency``. Production mode swaps :class:`DevTokenAuthenticator` for the OpenID verifier
(:mod:`slrt_runtime.oidc`) with the same interface (``authenticate(token) -> Actor``); which one is
chosen, and what production refuses, is :mod:`slrt_runtime.production`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Protocol

import anyio
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from slrt_contracts import Actor, Role

from .tokens import AuthError, DevTokenAuthenticator

__all__ = ["AuthError", "Authenticator", "CurrentActor", "DevTokenAuthenticator", "current_actor", "ensure_covers",
           "remember_actor", "require_roles"]


audit_log = logging.getLogger("slrt_runtime.audit")


class Authenticator(Protocol):
    def authenticate(self, token: str) -> Actor: ...


_bearer = HTTPBearer(auto_error=False, description="JWT; locally from POST /auth/dev-token or `./slrt token`")


_VERIFIED = "slrt_verified_actor"


def remember_actor(scope: dict, token: str, actor: Actor) -> None:
    """A middleware that verified the request's token already hands the result to the endpoint."""
    scope.setdefault("state", {})[_VERIFIED] = (token, actor)


async def current_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    # Async: a sync dependency costs a worker-thread round trip per request; only a verification
    # (which may fetch an identity provider's keys) goes to a thread, and not when a middleware did it.
    if credentials is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    verified = getattr(request.state, _VERIFIED, None)
    if verified is not None and verified[0] == credentials.credentials:
        actor = verified[1]
    else:
        authenticator: Authenticator = request.app.state.authenticator
        try:
            actor = await anyio.to_thread.run_sync(authenticator.authenticate, credentials.credentials)
        except AuthError as e:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(e),
                                headers={"WWW-Authenticate": "Bearer"}) from None
    if actor.role is Role.ADMIN:
        audit_admin(request, actor)
    return actor


def audit_admin(request: Request, actor: Actor) -> None:
    """Admin passes every role check, so each use is on record: the actor's id and the route
    template (never the raw path, which may carry a NIK)."""
    route = request.scope.get("route")
    audit_log.info("admin token used: actor=%s %s %s", actor.id, request.method, getattr(route, "path", "?"))


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_roles(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    allowed: Iterable[Role] = frozenset(roles)

    async def dependency(actor: CurrentActor) -> Actor:  # async: no worker thread for a set lookup
        if actor.role not in allowed and actor.role is not Role.ADMIN:
            names = ", ".join(sorted(r.value for r in allowed))
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {actor.role.value} may not do this; needs one of: {names}")
        return actor

    return dependency


def ensure_covers(actor: Actor, region_code: str) -> None:
    """Region scoping: a village officer acts only in that village, a district officer in the district."""
    if not actor.covers(region_code):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"actor's region {actor.region} does not cover {region_code}")
