"""authlib's OAuth clients, imported in one place.

authlib 1.9 warns when its httpx integration runs on httpx rather than the newer httpx2. SLRT stays on
httpx (every service and Starlette's TestClient use it), so the warning tells an operator nothing and
is silenced here, once, for the service-to-service client and the web application's sign-in."""

from __future__ import annotations

import warnings

from authlib.deprecate import AuthlibDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import OAuth2Client
    from authlib.integrations.starlette_client import OAuth

__all__ = ["OAuth", "OAuth2Client", "OAuthError"]
