"""Development tokens and the authentication error, apart from the web framework so that
``./slrt token`` starts in a fraction of a second (it imports neither FastAPI nor httpx)."""

from __future__ import annotations

import datetime as dt

import jwt
from pydantic import ValidationError
from slrt_contracts import Actor


class AuthError(Exception):
    pass


class DevTokenAuthenticator:
    """HS256 tokens signed with SLRT_AUTH_SECRET: issues and verifies them."""

    algorithm = "HS256"

    def __init__(self, secret: str, issuer: str = "slrt-dev") -> None:
        if len(secret) < 32:
            raise ValueError("SLRT_AUTH_SECRET must be at least 32 characters")
        self.secret = secret
        self.issuer = issuer

    def issue(self, actor: Actor, ttl: dt.timedelta = dt.timedelta(hours=12)) -> str:
        now = dt.datetime.now(dt.timezone.utc)
        claims = {
            "iss": self.issuer,
            "sub": actor.id,
            "role": actor.role.value,
            "region": actor.region,
            "iat": now,
            "exp": now + ttl,
        }
        if actor.agency:
            claims["agency"] = actor.agency
        return jwt.encode(claims, self.secret, algorithm=self.algorithm)

    def authenticate(self, token: str) -> Actor:
        try:
            claims = jwt.decode(token, self.secret, algorithms=[self.algorithm], issuer=self.issuer,
                                options={"require": ["exp", "sub", "iss"]})
        except jwt.PyJWTError as e:
            raise AuthError(f"invalid token: {e}") from None
        try:
            return Actor(id=claims["sub"], role=claims.get("role"), region=claims.get("region"),
                         agency=claims.get("agency"))
        except ValidationError:
            raise AuthError("token claims do not describe an actor (sub, role, region)") from None
