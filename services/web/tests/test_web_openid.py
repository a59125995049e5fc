"""Sign-in through a real OpenID provider (oidc-provider 8 under Node) in Chromium, in production mode:
the provider's login and consent pages, back with a code (PKCE), the desk page calling intake with the
access token, the token refreshed before it expires, sign-out at the provider; an account without an
SLRT role is turned away. Intake and the web application run in production mode (no dev issuer)."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from slrt_runtime.natsserver import free_port
from slrt_runtime.oidc_provider import OidcProvider
from slrt_runtime.settings import ServiceSettings
from slrt_web.entrypoints.session_cookie import SessionCipher
from slrt_web.main import build
from slrt_web.settings import WebSettings
from slrt_web.testing import ARGS, CHROMIUM, shot

pytestmark = pytest.mark.integration

CLIENT_SECRET = secrets.token_urlsafe(32)
SESSION_SECRET = secrets.token_urlsafe(32)
TOKEN_SECONDS = 63  # the web app renews a token 60 s before it expires: so, about 3 s after sign-in


@dataclass
class Served:
    idp: OidcProvider
    web: str
    intake: str


def serve(app: Any, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on port {port}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if CHROMIUM is None:
        pytest.skip("chromium not found (/usr/bin/chromium); .ci/run installs it with apt-get")
    from slrt_intake.main import build as build_intake

    tmp = tmp_path_factory.mktemp("openid")
    web_port, intake_port = free_port(), free_port()
    web = f"http://127.0.0.1:{web_port}"
    idp = OidcProvider(
        clients=[{"client_id": "slrt-web", "client_secret": CLIENT_SECRET,
                  "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                  "redirect_uris": [f"{web}/sign-in/callback"], "post_logout_redirect_uris": [f"{web}/"],
                  "scope": "openid profile offline_access api"}],
        users={"siti": {"role": "front_office", "region": "1605", "name": "Siti Contoh"},
               "tamu": {"region": "1605", "name": "Tamu"}},  # an account with no SLRT role
        ttl={"slrt-web": TOKEN_SECONDS}, log_path=tmp / "provider.log").start()
    production = dict(district="1605", auth_dev_issuer=False, auth_issuer=idp.issuer, auth_audience=idp.resource)
    intake = serve(build_intake(ServiceSettings(persistence="sqlite", data_dir=tmp / "intake", **production,
                                                person_index_key=secrets.token_urlsafe(32)),
                                with_messaging=False), intake_port)
    web_app = build(WebSettings(
        **production, sign_in="oidc", auth_client_id="slrt-web", auth_client_secret=CLIENT_SECRET,
        auth_resource=idp.resource, sign_in_scopes="openid profile api",
        session_secret=SESSION_SECRET, intake_url=f"http://127.0.0.1:{intake_port}"))
    web_server = serve(web_app, web_port)
    yield Served(idp, web, f"http://127.0.0.1:{intake_port}")
    web_server.should_exit = intake.should_exit = True
    idp.stop()


@pytest.fixture
def browser_tab(served: Served) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="id-ID")
        yield context.new_page()
        browser.close()


def session_of(page: Any) -> dict[str, Any]:
    """The encrypted session cookie's contents, opened with the application's key (nothing else can)."""
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "slrt_session"]
    session = SessionCipher(SESSION_SECRET).open(cookie["value"], None)
    assert session is not None
    return session


def cookie_shows_nothing_of(page: Any, *secrets_: str) -> bool:
    """The cookie as the browser (or whoever copies it) holds it: none of the tokens, in clear or base64."""
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "slrt_session"]
    value = cookie["value"]
    texts = [value, *(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode("latin-1") for p in value.split("."))]
    return not any(s[:24] in t for s in secrets_ for t in texts)


def provider_login(page: Any, login: str) -> None:
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any")  # the provider's development login accepts any password
    page.click("button[type=submit]")
    page.wait_for_selector("button[type=submit]")  # the consent page
    page.click("button[type=submit]")


def test_a_user_signs_in_at_the_provider_and_the_desk_calls_intake_with_the_token(served: Served, browser_tab: Any) -> None:
    page = browser_tab
    page.goto(f"{served.web}/desk")
    assert "/sign-in" in page.url
    shot(page, "openid-sign-in")
    page.click("#sign-in-oidc")
    assert page.url.startswith(served.idp.issuer), "off to the provider's login page"
    shot(page, "openid-provider-login")
    provider_login(page, "siti")
    page.wait_for_url(f"{served.web}/desk")
    assert page.locator("h1").first.is_visible()
    assert "Masuk" not in page.locator("h1").first.inner_text()  # the desk, not the sign-in page again
    shot(page, "openid-desk")
    user = session_of(page)["user"]
    assert (user["sub"], user["role"], user["region"], user["display_name"]) == ("siti", "front_office", "1605",
                                                                                  "Siti Contoh")
    # The same token works on the API directly: it is the provider's, for the platform's audience.
    token = user["token"]
    r = httpx.get(f"{served.intake}/queues/front-office", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text

    # Refresh: shortly before the access token expires the next page renews it with the refresh token.
    assert user["refresh_token"]
    assert cookie_shows_nothing_of(page, token, user["refresh_token"]), "the tokens are not readable in the cookie"
    time.sleep(TOKEN_SECONDS - 60 + 1)
    page.goto(f"{served.web}/desk")
    assert page.url == f"{served.web}/desk"
    renewed = session_of(page)["user"]
    assert renewed["token"] != token and renewed["expires_at"] > user["expires_at"]

    # Sign-out ends the provider's session too (RP-initiated logout), then comes home.
    page.click("form[action='/sign-out'] button")
    page.wait_for_url(lambda url: url.startswith(served.idp.issuer))
    page.click("button[value=yes]")  # the provider asks to confirm
    page.wait_for_url(lambda url: url.startswith(f"{served.web}/"))
    page.goto(f"{served.web}/desk")
    assert "/sign-in" in page.url
    page.click("#sign-in-oidc")
    page.wait_for_selector("input[name=login]")  # the provider asks for the login again


def test_an_account_without_a_role_of_this_application_is_turned_away(served: Served, browser_tab: Any) -> None:
    page = browser_tab
    page.goto(f"{served.web}/sign-in")
    page.click("#sign-in-oidc")
    provider_login(page, "tamu")
    page.wait_for_url(f"{served.web}/sign-in")
    assert "belum memiliki peran" in page.content()
    assert "user" not in session_of(page)


def test_production_refuses_the_published_session_key_and_the_development_sign_in(served: Served) -> None:
    from slrt_runtime.production import StartRefused

    production = dict(auth_dev_issuer=False, auth_issuer=served.idp.issuer, auth_audience=served.idp.resource,
                      auth_client_id="slrt-web", auth_client_secret=CLIENT_SECRET)
    with pytest.raises(StartRefused, match="SLRT_SESSION_SECRET is the default published"):
        build(WebSettings(**production, sign_in="oidc"))
    with pytest.raises(StartRefused, match="SLRT_SIGN_IN is development"):
        build(WebSettings(**production, session_secret=secrets.token_urlsafe(32)))
    with pytest.raises(StartRefused, match="SLRT_AUTH_CLIENT_SECRET is not set"):
        build(WebSettings(**{**production, "auth_client_secret": ""}, sign_in="oidc",
                          session_secret=secrets.token_urlsafe(32)))


