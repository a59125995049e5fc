"""The bearer a service sends when it calls another service (letters asks dtks for a programme check).

Production mode: the service is an OAuth client of the district's provider and gets its token with the
client-credentials grant (authlib), cached until shortly before it expires. The embedded default mints
a development token for the service's actor, as the development issuer does for people.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from slrt_contracts import service_actor

from .auth import DevTokenAuthenticator
from .oauth import OAuth2Client
from .oidc import Fetch, http_fetch
from .production import require_client, require_issuer
from .settings import ServiceSettings


class ServiceTokenError(Exception):
    """The provider gave no token (down, or the client is not allowed): the call cannot be made now."""


class ServiceTokens(Protocol):
    def bearer(self) -> str: ...


class DevServiceTokens:
    def __init__(self, service: str, settings: ServiceSettings) -> None:
        self.issuer = DevTokenAuthenticator(settings.auth_secret.get_secret_value(), settings.auth_issuer)
        self.actor = service_actor(service, settings.district)

    def bearer(self) -> str:
        return self.issuer.issue(self.actor)


class ClientCredentialsTokens:
    # Fetch a new token this long before the old one expires, so none expires on its way to dtks.
    MARGIN_SECONDS = 30

    def __init__(self, service: str, settings: ServiceSettings, fetch: Fetch | None = None,
                 timeout: float = 10.0) -> None:
        require_issuer(service, settings)
        require_client(service, settings)
        self.settings, self.fetch, self.timeout = settings, fetch or http_fetch(timeout), timeout
        self._lock = threading.Lock()
        self._token: dict | None = None
        self._endpoint: str | None = None
        self.fetched = 0

    def _token_endpoint(self) -> str:
        if self._endpoint is None:
            document = self.fetch(f"{self.settings.auth_issuer.rstrip('/')}/.well-known/openid-configuration")
            self._endpoint = str(document["token_endpoint"])
        return self._endpoint

    def bearer(self) -> str:
        with self._lock:
            token = self._token
            if token is None or token.get("expires_at", 0) - self.MARGIN_SECONDS <= time.time():
                extra = {"resource": self.settings.auth_resource} if self.settings.auth_resource else {}
                try:
                    with OAuth2Client(self.settings.auth_client_id,
                                      self.settings.auth_client_secret.get_secret_value(),
                                      timeout=self.timeout) as client:
                        token = dict(client.fetch_token(self._token_endpoint(), grant_type="client_credentials",
                                                        **extra))
                except Exception as e:  # noqa: BLE001 - network, HTTP or OAuth error: all mean "no token now"
                    raise ServiceTokenError(f"no service token from the identity provider ({type(e).__name__})") from None
                token.setdefault("expires_at", time.time() + float(token.get("expires_in", 60)))
                self._token = token
                self.fetched += 1
            return str(token["access_token"])


def service_tokens_for(service: str, settings: ServiceSettings) -> ServiceTokens:
    if settings.auth_dev_issuer:
        return DevServiceTokens(service, settings)
    return ClientCredentialsTokens(service, settings)
