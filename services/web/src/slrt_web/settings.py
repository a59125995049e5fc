"""Settings of the application for people (prefix ``SLRT_``, like every service)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, SecretStr
from slrt_runtime.settings import ServiceSettings


class SignInMethod(StrEnum):
    DEVELOPMENT = "development"  # embedded default: pick a role, region and agency (never in production)
    OIDC = "oidc"  # the district's identity provider: authorization code + PKCE (SLRT_AUTH_ISSUER, _CLIENT_ID)


class WebSettings(ServiceSettings):
    """The service URLs the backend-for-frontend calls, and the session cookie."""

    intake_url: str = Field(default="http://127.0.0.1:8001", description="Base URL of the intake service's API")
    referral_url: str = Field(default="http://127.0.0.1:8003", description="Base URL of the referral service's API")
    letters_url: str = Field(default="http://127.0.0.1:8004", description="Base URL of the letters service's API")
    monitoring_url: str = Field(default="http://127.0.0.1:8005", description="Base URL of the monitoring service")
    session_secret: SecretStr = Field(
        default=SecretStr("slrt-web-session-secret-change-me-in-production-0123456789"),
        description="Keys the encrypted session cookie (Fernet); at least 32 characters",
    )
    session_https_only: bool = Field(default=False, description="Secure flag on the session cookie (true behind TLS)")
    session_max_age_seconds: int = 12 * 3600
    sign_in: SignInMethod = SignInMethod.DEVELOPMENT
    sign_in_scopes: str = Field(default="openid profile",
                                description="Scopes asked of the identity provider at sign-in (oidc)")
    sign_in_callback_url: str = Field(
        default="", description="Redirect URI registered at the provider, e.g. https://slrt.example/sign-in/callback; "
        "empty: from the request's host")
    api_timeout_seconds: float = 15.0
