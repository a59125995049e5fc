"""Production mode: letters calls dtks with a token of the district's OpenID provider, got by the
client-credentials grant (no secret shared between the services), cached while it is valid."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from slrt_letters.adapters.dtks import DtksUnavailable, HttpDtks
from slrt_letters.settings import LettersSettings
from slrt_runtime.oidc_provider import OidcProvider
from slrt_runtime.service_tokens import ClientCredentialsTokens
from slrt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.integration

LETTERS_SECRET, OPERATOR_SECRET = secrets.token_urlsafe(32), secrets.token_urlsafe(32)


def client(client_id: str, secret: str) -> dict:
    return {"client_id": client_id, "client_secret": secret, "grant_types": ["client_credentials"],
            "redirect_uris": [], "response_types": [], "scope": "api"}


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    p = OidcProvider(clients=[client("slrt-letters", LETTERS_SECRET), client("operator", OPERATOR_SECRET)],
                     client_claims={"slrt-letters": {"role": "service", "region": "1605"},
                                    "operator": {"role": "dtks_operator", "region": "1605"}},
                     log_path=tmp_path_factory.mktemp("oidc") / "provider.log").start()
    yield p
    p.stop()


def production(idp: OidcProvider, **kwargs: object) -> dict:
    return dict(auth_dev_issuer=False, auth_issuer=idp.issuer, auth_audience=idp.resource,
                auth_resource=idp.resource, **kwargs)


def test_letters_reads_the_programme_check_with_a_client_credentials_token(idp: OidcProvider, tmp_path: Path) -> None:
    dtks_main = pytest.importorskip("slrt_dtks.main", reason="the dtks service package is not installed")
    app = dtks_main.build(ServiceSettings(persistence="sqlite", data_dir=tmp_path / "dtks", **production(idp)),
                          with_messaging=False, seed_people=10)
    with TestClient(app, base_url="http://dtks") as dtks:
        operator = {"Authorization": f"Bearer {idp.client_token('operator', OPERATOR_SECRET)}"}
        people = dtks.get("/registry/sample?limit=3", headers=operator).json()
        settings = LettersSettings(dtks_url="http://dtks", **production(
            idp, auth_client_id="slrt-letters", auth_client_secret=LETTERS_SECRET))
        tokens = ClientCredentialsTokens("letters", settings)
        adapter = HttpDtks(settings, client=dtks, tokens=tokens)
        for someone in people:
            assert adapter.programme_check(someone["nik"]).found
        assert tokens.fetched == 1, "one token for all calls while it is valid"

        # A wrong client secret: no token, so the check waits (503), and nothing says the secret.
        wrong = LettersSettings(dtks_url="http://dtks", **production(
            idp, auth_client_id="slrt-letters", auth_client_secret=secrets.token_urlsafe(32)))
        with pytest.raises(DtksUnavailable, match="no service token") as refused:
            HttpDtks(wrong, client=dtks).programme_check(people[0]["nik"])
        assert wrong.auth_client_secret.get_secret_value() not in str(refused.value)
