"""Access tokens of the district's OpenID provider: verified against its published keys (JWKS).

The issuer's discovery document names its key set; keys are cached and fetched again when a token
names a key id (``kid``) the cache lacks, so a provider that rotates its keys needs no restart. Role,
region and agency come from configurable claims, because every provider names them differently
(Keycloak puts realm roles in ``realm_access.roles`` and user attributes wherever a mapper says).

The JOSE work is joserfc's: authlib, which the web application's sign-in uses, moved its ``jose``
module there (``authlib.jose`` is deprecated in authlib 1.7+ and joserfc is its dependency).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact
from pydantic import ValidationError
from slrt_contracts import Actor, Role

from .auth import AuthError
from .tokens import VerifiedTokens

Fetch = Callable[[str], dict[str, Any]]


def http_fetch(timeout: float = 5.0) -> Fetch:
    def fetch(url: str) -> dict[str, Any]:
        response = httpx.get(url, timeout=timeout, follow_redirects=False)
        response.raise_for_status()
        return response.json()

    return fetch


@dataclass(frozen=True)
class ClaimsMapping:
    """Where the actor is in the token: dotted paths (``realm_access.roles``); a list value gives
    the first entry that is an SLRT role (a Keycloak user also has ``offline_access`` and the like)."""

    role: str = "role"
    region: str = "region"
    agency: str = "agency"

    @staticmethod
    def _at(claims: dict[str, Any], path: str) -> Any:
        value: Any = claims
        for part in path.split("."):
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value

    def role_of(self, claims: dict[str, Any]) -> str | None:
        value = self._at(claims, self.role)
        if isinstance(value, list):
            known = {r.value for r in Role}
            return next((v for v in value if v in known), None)
        return value if isinstance(value, str) else None

    def scalar(self, claims: dict[str, Any], path: str) -> str | None:
        value = self._at(claims, path)
        if isinstance(value, list):  # Keycloak attribute mappers may emit a one-element list
            value = value[0] if len(value) == 1 else None
        return value if isinstance(value, str) else None


class OidcAuthenticator:
    """Verifies RS256/ES256 access tokens of one issuer for one audience (this platform's API)."""

    def __init__(self, issuer: str, audience: str, *, mapping: ClaimsMapping = ClaimsMapping(),
                 algorithms: tuple[str, ...] = ("RS256", "ES256"), cache_seconds: float = 600.0,
                 refetch_seconds: float = 10.0, leeway_seconds: int = 30, fetch: Fetch | None = None) -> None:
        if not issuer or not audience:
            raise ValueError("an OpenID issuer and an audience are both needed")
        self.issuer, self.audience, self.mapping = issuer.rstrip("/"), audience, mapping
        self.algorithms = list(algorithms)
        self.cache_seconds, self.refetch_seconds, self.leeway = cache_seconds, refetch_seconds, leeway_seconds
        self.fetch = fetch or http_fetch()
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._jwks_uri: str | None = None
        self.key_set_fetches = 0  # read by tests and the operator's curiosity
        self.verified = VerifiedTokens()

    # -- keys -------------------------------------------------------------------------------
    def _discover(self) -> str:
        if self._jwks_uri is None:
            document = self.fetch(f"{self.issuer}/.well-known/openid-configuration")
            # A discovery document for another issuer would let that issuer's keys in (OIDC Discovery 4.3).
            if str(document.get("issuer", "")).rstrip("/") != self.issuer:
                raise AuthError("the provider's discovery document names another issuer")
            self._jwks_uri = str(document["jwks_uri"])
        return self._jwks_uri

    def _key_set(self, kid: str | None) -> KeySet:
        with self._lock:
            now = time.monotonic()
            stale = self._keys is None or now - self._fetched_at > self.cache_seconds
            unknown = self._keys is not None and kid is not None and not any(k.kid == kid for k in self._keys)
            # An unknown kid means rotation (or a forged token): fetch again, but not more often than
            # every refetch_seconds, so tokens with made-up kids cannot hammer the provider.
            if stale or (unknown and now - self._fetched_at > self.refetch_seconds):
                try:
                    data = self.fetch(self._discover())
                    self._keys = KeySet.import_key_set(data)
                    self.verified.clear()  # a token is good while the keys published now include its key
                except (httpx.HTTPError, ValueError, KeyError, JoseError) as e:
                    if self._keys is None:
                        raise AuthError(f"the identity provider's keys cannot be fetched ({type(e).__name__})") from None
                    # keep the cached keys: the provider may be briefly away
                self._fetched_at = now
                self.key_set_fetches += 1
            assert self._keys is not None
            return self._keys

    def warm(self) -> bool:
        """Fetch the keys now (at start), so the first requests do not wait for the provider."""
        try:
            self._key_set(None)
            return True
        except AuthError:
            return False  # the provider is away: the first token will try again

    # -- tokens -----------------------------------------------------------------------------
    def claims(self, token: str) -> dict[str, Any]:
        try:
            header = extract_compact(token.encode()).headers()
        except (JoseError, ValueError):
            raise AuthError("invalid token: not a signed JWT") from None
        if header.get("alg") not in self.algorithms:
            raise AuthError(f"invalid token: algorithm {header.get('alg')!r} is not accepted")
        kid = header.get("kid")
        try:
            key = self._key_set(kid).get_by_kid(kid)
        except JoseError:
            raise AuthError("invalid token: signed with a key the issuer does not publish") from None
        try:
            claims = jwt.decode(token, key, algorithms=self.algorithms).claims
            jwt.JWTClaimsRegistry(
                leeway=self.leeway,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(claims)
        except JoseError as e:
            raise AuthError(f"invalid token: {e.error}") from None
        return claims

    def authenticate(self, token: str) -> Actor:
        actor = self.verified.get(token)
        if actor is not None:
            return actor
        claims = self.claims(token)
        try:
            actor = Actor(id=claims["sub"], role=self.mapping.role_of(claims),
                          region=self.mapping.scalar(claims, self.mapping.region),
                          agency=self.mapping.scalar(claims, self.mapping.agency))
        except ValidationError:
            raise AuthError("the token does not name an SLRT role and region for this user") from None
        # Until its expiry (without the leeway) or the next fetch of the keys, a minute at most.
        self.verified.put(token, actor, claims["exp"])
        return actor
