"""Sessions and CSRF. The session is an encrypted cookie (session_cookie.py: Fernet, HttpOnly,
SameSite=Lax, Secure behind TLS); every unsafe request carries the session's CSRF token,
as a form field or, from htmx and the field app, as the ``X-CSRF-Token`` header."""

from __future__ import annotations

import secrets
import time
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ..domain.people import SignedInUser

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class NeedsSignIn(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request) -> None:
    """A router dependency: GET/HEAD pass; anything else must prove it came from our own page."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get(CSRF_FIELD)  # cached: the route's Form() reads the same
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(expected, sent):
        raise HTTPException(403, "csrf")


# Renew the access token this long before it expires, so no service call carries a dying token.
REFRESH_MARGIN_SECONDS = 60


async def current_user(request: Request) -> SignedInUser:
    user = SignedInUser.from_session(request.session.get("user"))
    if user is None:
        raise NeedsSignIn(request.url.path)
    if user.expires_at is not None and user.expires_at - REFRESH_MARGIN_SECONDS <= time.time():
        renewed = await request.app.state.sign_in.refresh(user)
        if renewed is None:
            request.session.pop("user", None)
            raise NeedsSignIn(request.url.path)
        request.session["user"] = renewed.to_session()
        user = renewed
    return user


def optional_user(request: Request) -> SignedInUser | None:
    return SignedInUser.from_session(request.session.get("user"))


User = Annotated[SignedInUser, Depends(current_user)]
MaybeUser = Annotated[SignedInUser | None, Depends(optional_user)]
