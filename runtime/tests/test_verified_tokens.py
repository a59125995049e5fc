"""A desk's token is verified once and then answered from memory, until it expires."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from slrt_contracts import Actor, Role
from slrt_runtime import tokens
from slrt_runtime.settings import DEV_AUTH_SECRET
from slrt_runtime.tokens import AuthError, DevTokenAuthenticator, VerifiedTokens

DESK = Actor(id="fo-1605-01", role=Role.FRONT_OFFICE, region="1605")


def test_a_token_is_verified_once_and_refused_once_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    authenticator = DevTokenAuthenticator(DEV_AUTH_SECRET)
    token = authenticator.issue(DESK, dt.timedelta(seconds=2))
    decoded = []
    original = tokens.jwt.decode
    monkeypatch.setattr(tokens.jwt, "decode", lambda *a, **k: decoded.append(1) or original(*a, **k))
    assert authenticator.authenticate(token) == authenticator.authenticate(token) == DESK
    assert len(decoded) == 1
    time.sleep(2.2)
    with pytest.raises(AuthError, match="expired"):
        authenticator.authenticate(token)


def test_only_the_exact_token_is_answered_from_memory() -> None:
    authenticator = DevTokenAuthenticator(DEV_AUTH_SECRET)
    token = authenticator.issue(DESK)
    authenticator.authenticate(token)
    header, payload, signature = token.split(".")
    with pytest.raises(AuthError):
        authenticator.authenticate(f"{header}.{payload}.{signature[::-1]}")
    with pytest.raises(AuthError):  # another issuer's secret, same claims
        authenticator.authenticate(DevTokenAuthenticator("x" * 32).issue(DESK))


def test_the_memory_is_bounded_and_never_outlives_its_ttl() -> None:
    verified = VerifiedTokens(maxsize=2, ttl=60)
    far = time.time() + 3600
    for token in ("a", "b", "c"):
        verified.put(token, DESK, far)
    assert verified.get("a") is None and verified.get("c") == DESK
    short = VerifiedTokens(ttl=0)
    short.put("a", DESK, far)
    assert short.get("a") is None
