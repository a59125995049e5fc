"""Production mode against a real OpenID provider (oidc-provider 8 under Node): access tokens of the
district's issuer work, everything else is refused; key rotation by kid; admin use is audited."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from slrt_contracts import Actor, Role
from slrt_runtime.auth import DevTokenAuthenticator, require_roles
from slrt_runtime.http import create_app
from slrt_runtime.oidc import OidcAuthenticator
from slrt_runtime.oidc_provider import OidcProvider, new_key
from slrt_runtime.settings import DEV_AUTH_SECRET, ServiceSettings

pytestmark = pytest.mark.integration

SECRET = secrets.token_urlsafe(32)


def client(client_id: str) -> dict:
    return {"client_id": client_id, "client_secret": SECRET, "grant_types": ["client_credentials"],
            "redirect_uris": [], "response_types": [], "scope": "api"}


CLIENTS = {  # client -> the claims its tokens carry (as the provider's mappers would put them)
    "clerk": {"role": "front_office", "region": "1605"},
    "nobody": {"region": "1605"},  # a user of the provider without an SLRT role
    "ops": {"role": "admin", "region": "1605"},
    "short": {"role": "front_office", "region": "1605"},
}


def provider(tmp_path: Path, name: str, **kwargs) -> OidcProvider:
    return OidcProvider(clients=[client(c) for c in CLIENTS], client_claims=CLIENTS, ttl={"short": 1},
                        log_path=tmp_path / f"{name}.log", **kwargs)


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    p = provider(tmp_path_factory.mktemp("oidc"), "idp").start()
    yield p
    p.stop()


def production(idp: OidcProvider) -> ServiceSettings:
    return ServiceSettings(persistence="memory", auth_dev_issuer=False, auth_issuer=idp.issuer,
                           auth_audience=idp.resource)


def probe_app(settings: ServiceSettings) -> TestClient:
    router = APIRouter()

    @router.get("/queue")
    def queue(actor: Actor = Depends(require_roles(Role.FRONT_OFFICE))) -> dict:
        return {"id": actor.id, "role": actor.role.value, "region": actor.region}

    @router.get("/approvals")
    def approvals(actor: Actor = Depends(require_roles(Role.MANAGER))) -> dict:
        return {"id": actor.id}

    return TestClient(create_app("probe", settings, routers=[router]))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_of_the_district_issuer_works_and_names_the_actor(idp: OidcProvider) -> None:
    api = probe_app(production(idp))
    r = api.get("/queue", headers=bearer(idp.client_token("clerk", SECRET)))
    assert r.status_code == 200, r.text
    assert r.json() == {"id": "clerk", "role": "front_office", "region": "1605"}
    assert api.post("/auth/dev-token", json={"sub": "x", "role": "admin", "region": "1605"}).status_code in (404, 405)


def test_a_token_with_another_role_is_forbidden_and_one_without_a_role_is_refused(idp: OidcProvider) -> None:
    api = probe_app(production(idp))
    assert api.get("/approvals", headers=bearer(idp.client_token("clerk", SECRET))).status_code == 403
    r = api.get("/queue", headers=bearer(idp.client_token("nobody", SECRET)))
    assert r.status_code == 401 and "role" in r.json()["detail"]


def test_an_expired_token_is_refused(idp: OidcProvider) -> None:
    api = probe_app(production(idp))
    token = idp.client_token("short", SECRET)
    assert api.get("/queue", headers=bearer(token)).status_code == 200
    api.app.state.authenticator.leeway = 0  # no clock-skew allowance, so the test need not wait 30 s
    time.sleep(2.1)
    r = api.get("/queue", headers=bearer(token))
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_tokens_of_another_issuer_and_the_published_dev_secret_are_refused(idp: OidcProvider, tmp_path: Path) -> None:
    api = probe_app(production(idp))
    other = provider(tmp_path, "other").start()  # a real provider, just not the district's
    try:
        r = api.get("/queue", headers=bearer(other.client_token("clerk", SECRET)))
        assert r.status_code == 401, r.text
    finally:
        other.stop()
    # What the issue demonstrated: an admin token minted with the default secret of the repository.
    forged = DevTokenAuthenticator(DEV_AUTH_SECRET).issue(Actor(id="x", role=Role.ADMIN, region="1605"))
    r = api.get("/queue", headers=bearer(forged))
    assert r.status_code == 401 and "HS256" in r.json()["detail"]


def test_admin_tokens_are_audited_by_id(idp: OidcProvider, caplog: pytest.LogCaptureFixture) -> None:
    api = probe_app(production(idp))
    with caplog.at_level(logging.INFO, logger="slrt_runtime.audit"):
        assert api.get("/approvals", headers=bearer(idp.client_token("ops", SECRET))).status_code == 200
    (line,) = [r.getMessage() for r in caplog.records if r.name == "slrt_runtime.audit"]
    assert line == "admin token used: actor=ops GET /approvals"


def test_a_rotated_key_is_fetched_by_its_kid(tmp_path: Path) -> None:
    idp = provider(tmp_path, "rotating", keys=[new_key("old")]).start()
    try:
        verifier = OidcAuthenticator(idp.issuer, idp.resource, refetch_seconds=0)
        before = idp.client_token("clerk", SECRET)
        assert verifier.authenticate(before).role is Role.FRONT_OFFICE
        assert verifier.key_set_fetches == 1
        # New keys (access tokens now ES256; the RSA key is for ID tokens); the old key is retired.
        idp.restart_with_keys([new_key("new-ec", "ES256"), new_key("new-rsa")])
        after = idp.client_token("clerk", SECRET)
        assert verifier.authenticate(after).role is Role.FRONT_OFFICE
        assert verifier.key_set_fetches == 2
        verifier.authenticate(after)
        assert verifier.key_set_fetches == 2, "a known kid is served from the cache"
        with pytest.raises(Exception, match="key the issuer does not publish"):
            verifier.authenticate(before)
    finally:
        idp.stop()


def test_keys_are_cached_between_requests(idp: OidcProvider) -> None:
    verifier = OidcAuthenticator(idp.issuer, idp.resource)
    token = idp.client_token("clerk", SECRET)
    for _ in range(5):
        verifier.authenticate(token)
    assert verifier.key_set_fetches == 1


def test_claims_can_come_from_keycloak_style_paths() -> None:
    from slrt_runtime.oidc import ClaimsMapping

    mapping = ClaimsMapping(role="realm_access.roles", region="region", agency="agency")
    claims = {"realm_access": {"roles": ["offline_access", "manager", "uma_authorization"]}, "region": ["1605"]}
    assert mapping.role_of(claims) == "manager"
    assert mapping.scalar(claims, "region") == "1605"
    assert mapping.scalar(claims, "agency") is None


