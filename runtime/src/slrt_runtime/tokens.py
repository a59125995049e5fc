"""Development tokens and the authentication error, apart from the web framework so that
``./slrt token`` starts in a fraction of a second (it imports neither FastAPI nor httpx)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import jwt
from pydantic import ValidationError
from slrt_contracts import Actor


class AuthError(Exception):
    pass


class VerifiedTokens:
    """Tokens verified already, with their actor, until they expire (and at most ``ttl`` seconds):
    a desk sends the same token with every request, and verifying it (signature, claims, the
    actor's model) costs more than the rest of a request's authentication. Keyed by the whole
    token, so only that exact token is answered from here; bounded, the oldest entries go first."""

    def __init__(self, maxsize: int = 4096, ttl: float = 60.0) -> None:
        self.maxsize, self.ttl = maxsize, ttl
        self._entries: dict[str, tuple[Actor, float]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Actor | None:
        entry = self._entries.get(token)
        if entry is None or entry[1] <= time.time():
            return None
        return entry[0]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def put(self, token: str, actor: Actor, expires: float) -> None:
        until = min(float(expires), time.time() + self.ttl)
        with self._lock:
            self._entries.pop(token, None)
            self._entries[token] = (actor, until)
            while len(self._entries) > self.maxsize:
                del self._entries[next(iter(self._entries))]


class DevTokenAuthenticator:
    """HS256 tokens signed with SLRT_AUTH_SECRET: issues and verifies them."""

    algorithm = "HS256"

    def __init__(self, secret: str, issuer: str = "slrt-dev") -> None:
        if len(secret) < 32:
            raise ValueError("SLRT_AUTH_SECRET must be at least 32 characters")
        self.secret = secret
        self.issuer = issuer
        self.verified = VerifiedTokens()

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
        actor = self.verified.get(token)
        if actor is not None:
            return actor
        try:
            claims = jwt.decode(token, self.secret, algorithms=[self.algorithm], issuer=self.issuer,
                                options={"require": ["exp", "sub", "iss"]})
        except jwt.PyJWTError as e:
            raise AuthError(f"invalid token: {e}") from None
        try:
            actor = Actor(id=claims["sub"], role=claims.get("role"), region=claims.get("region"),
                          agency=claims.get("agency"))
        except ValidationError:
            raise AuthError("token claims do not describe an actor (sub, role, region)") from None
        self.verified.put(token, actor, claims["exp"])
        return actor
