"""The session cookie, encrypted: the officer's access and refresh tokens ride in it, so a signed cookie
(readable base64 JSON) would hand them to whoever sees the cookie (a proxy's log, a shared machine's
browser profile, a support screenshot) and the refresh token outlives the sign-in by hours.

Fernet (``cryptography``: AES-128-CBC and HMAC-SHA256, with the time it was made) under a key derived
from ``SLRT_SESSION_SECRET``: the contents cannot be read or altered, and a cookie older than the
session's lifetime is refused by its own timestamp, whatever the browser keeps. The JSON is
compressed first, which keeps a provider's large tokens under the 4096 bytes browsers allow a cookie
(a signed, uncompressed cookie came close with Keycloak's). A cookie that is too large anyway is
logged (its size, nothing of it) instead of silently dropped by the browser.

The rest is as Starlette's SessionMiddleware, which this replaces (same ``request.session``, same flags:
HttpOnly, SameSite=Lax, Secure behind TLS): staying stateless keeps the web application free of a
database and lets any replica serve any request. A cookie from before (signed only) reads as no
session: the officer signs in once more.
"""

from __future__ import annotations

import base64
import json
import logging
import zlib
from typing import Any, Literal

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_PURPOSE = b"slrt-web-session-cookie-v1"
BROWSER_LIMIT = 4096  # bytes of name, value and attributes (RFC 6265 section 6.1, what browsers keep)
log = logging.getLogger(__name__)


class Session(dict[str, Any]):
    """``request.session``: a dict that knows whether it was read (Vary: Cookie) or changed (a new cookie).
    Starlette's own lives in a module that imports itsdangerous, which nothing else here needs."""

    accessed = modified = False

    def mark_accessed(self) -> None:  # Starlette's request.session calls it
        self.accessed = True

    def _changed(self) -> None:
        self.accessed = self.modified = True

    def __setitem__(self, key: str, value: Any) -> None:
        self._changed()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._changed()
        super().__delitem__(key)

    def clear(self) -> None:
        self._changed()
        super().clear()

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            self._changed()
        return super().pop(key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self._changed()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        self._changed()
        super().update(*args, **kwargs)


class SessionCipher:
    def __init__(self, secret: str) -> None:
        # Its own key, not the secret itself: the secret may serve other purposes one day.
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret.encode())
        self.fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, session: dict[str, Any]) -> str:
        data = zlib.compress(json.dumps(session, separators=(",", ":")).encode(), 9)
        return self.fernet.encrypt(data).decode("ascii")

    def open(self, value: str, max_age: int | None) -> dict[str, Any] | None:
        """The session, or None for a cookie that is not ours, was altered, or is older than ``max_age``."""
        try:
            data = self.fernet.decrypt(value.encode("ascii"), ttl=max_age)
            session = json.loads(zlib.decompress(data))
        except (InvalidToken, UnicodeEncodeError, zlib.error, ValueError):
            return None
        return session if isinstance(session, dict) else None


class EncryptedSessionMiddleware:
    def __init__(self, app: ASGIApp, secret_key: str, session_cookie: str = "session", max_age: int | None = None,
                 same_site: Literal["lax", "strict", "none"] = "lax", https_only: bool = False) -> None:
        self.app, self.cipher = app, SessionCipher(secret_key)
        self.cookie, self.max_age = session_cookie, max_age
        self.security = "httponly; samesite=" + same_site + ("; secure" if https_only else "")
        self.lifetime = f"Max-Age={max_age}; " if max_age is not None else ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        sent = HTTPConnection(scope).cookies.get(self.cookie)
        stored = self.cipher.open(sent, self.max_age) if sent else None
        scope["session"] = Session(stored or {})

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                session: Session = scope["session"]
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                if session.accessed:
                    headers.add_vary_header("Cookie")
                if session.modified and session:
                    header = f"{self.cookie}={self.cipher.seal(session)}; path=/; {self.lifetime}{self.security}"
                    if len(header) > BROWSER_LIMIT:
                        log.warning("session cookie of %d bytes: browsers drop cookies over %d, so this "
                                    "sign-in will not hold (the provider's tokens are too large)",
                                    len(header), BROWSER_LIMIT)
                    headers.append("Set-Cookie", header)
                elif session.modified and sent:  # cleared (sign-out): the browser forgets the cookie
                    headers.append("Set-Cookie", f"{self.cookie}=null; path=/; "
                                   f"expires=Thu, 01 Jan 1970 00:00:00 GMT; {self.security}")
            await send(message)

        await self.app(scope, receive, send_wrapper)
