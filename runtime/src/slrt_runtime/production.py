"""Production mode fails closed: which authenticator a service uses, and the settings it refuses.

Production mode is ``SLRT_AUTH_DEV_ISSUER=false``. Then tokens come only from the district's OpenID
provider (``SLRT_AUTH_ISSUER`` is its URL) and no shared token secret exists at all, so an HS256
token minted with the published development secret is just a token of an unknown issuer. Every
secret a service does use in production (its OAuth client secret, the web session key) must be set,
must not be a value published in this repository, and must look random: a service that would run
unsafely stops at start with one line naming the setting instead.
"""

from __future__ import annotations

import math
from collections import Counter

from .auth import Authenticator, DevTokenAuthenticator
from .oidc import ClaimsMapping, OidcAuthenticator
from .settings import DEV_AUTH_SECRET, ServiceSettings

# Values that appear in this repository (settings defaults, examples): never secrets in production.
PUBLISHED = frozenset({DEV_AUTH_SECRET, "slrt-web-session-secret-change-me-in-production-0123456789", "change-me"})
MIN_BYTES = 32


class StartRefused(SystemExit):
    """A SystemExit: whatever starts the service prints this one line and exits 1, no traceback."""

    def __init__(self, service: str, problem: str) -> None:
        self.problem = problem
        super().__init__(f"slrt {service}: refusing to start in production mode: {problem}")


def random_looking(secret: str) -> bool:
    """At least 32 bytes with the character spread of generated keys (``openssl rand -base64 32``,
    ``python -c 'import secrets; print(secrets.token_urlsafe(32))'``), not a word repeated."""
    if len(secret.encode()) < MIN_BYTES:
        return False
    counts = Counter(secret)
    entropy = -sum(c / len(secret) * math.log2(c / len(secret)) for c in counts.values())
    return len(counts) >= 12 and entropy >= 3.5


def require_secret(service: str, name: str, value: str) -> None:
    if not value:
        raise StartRefused(service, f"{name} is not set")
    if value in PUBLISHED:
        raise StartRefused(service, f"{name} is the default published with SLRT; generate one "
                                    "(e.g. openssl rand -base64 32)")
    if not random_looking(value):
        raise StartRefused(service, f"{name} must be at least {MIN_BYTES} random-looking bytes "
                                    "(e.g. openssl rand -base64 32)")


def require_issuer(service: str, settings: ServiceSettings) -> None:
    if not settings.auth_issuer.startswith(("https://", "http://")):
        raise StartRefused(service, "SLRT_AUTH_ISSUER is not the URL of the district's OpenID provider "
                                    f"(it is {settings.auth_issuer!r}); production tokens come only from there")
    if not settings.auth_audience:
        raise StartRefused(service, "SLRT_AUTH_AUDIENCE is not set (the aud of the platform's access tokens)")


def require_client(service: str, settings: ServiceSettings) -> None:
    """A service that asks the provider for tokens itself (web sign-in, letters calling dtks)."""
    if not settings.auth_client_id:
        raise StartRefused(service, "SLRT_AUTH_CLIENT_ID is not set (this service's client at the OpenID provider)")
    require_secret(service, "SLRT_AUTH_CLIENT_SECRET", settings.auth_client_secret.get_secret_value())


def authenticator_for(service: str, settings: ServiceSettings) -> Authenticator:
    if settings.auth_dev_issuer:
        return DevTokenAuthenticator(settings.auth_secret.get_secret_value(), settings.auth_issuer)
    return oidc_authenticator(service, settings)


def oidc_authenticator(service: str, settings: ServiceSettings) -> OidcAuthenticator:
    require_issuer(service, settings)
    return OidcAuthenticator(
        settings.auth_issuer, settings.auth_audience,
        mapping=ClaimsMapping(role=settings.auth_role_claim, region=settings.auth_region_claim,
                              agency=settings.auth_agency_claim),
        algorithms=tuple(a.strip() for a in settings.auth_algorithms.split(",") if a.strip()),
        cache_seconds=settings.auth_keys_cache_seconds)
