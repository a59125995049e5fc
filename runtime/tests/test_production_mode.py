"""Production mode (SLRT_AUTH_DEV_ISSUER=false) fails closed: a service that would run unsafely does
not start, and says in one line which setting is missing or weak."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from slrt_runtime.http import create_app
from slrt_runtime.production import StartRefused, random_looking
from slrt_runtime.service_tokens import ClientCredentialsTokens, service_tokens_for
from slrt_runtime.settings import DEV_AUTH_SECRET, ServiceSettings

ISSUER = "https://login.example.go.id/realms/slrt-1605"


def production(**kwargs: object) -> ServiceSettings:
    return ServiceSettings(persistence="memory", auth_dev_issuer=False, **kwargs)  # type: ignore[arg-type]


def test_no_issuer_no_start() -> None:
    with pytest.raises(StartRefused) as refused:
        create_app("intake", production(), routers=[])
    assert "SLRT_AUTH_ISSUER is not the URL" in str(refused.value.code)


@pytest.mark.parametrize(("secret", "problem"), [
    ("", "SLRT_AUTH_CLIENT_SECRET is not set"),
    (DEV_AUTH_SECRET, "SLRT_AUTH_CLIENT_SECRET is the default published with SLRT"),
    ("change-me", "SLRT_AUTH_CLIENT_SECRET is the default published with SLRT"),
    ("too-short-0123456789", "at least 32 random-looking bytes"),
    ("a" * 64, "at least 32 random-looking bytes"),
])
def test_a_service_client_needs_a_strong_secret(secret: str, problem: str) -> None:
    settings = production(auth_issuer=ISSUER, auth_client_id="letters", auth_client_secret=secret)
    with pytest.raises(StartRefused, match=problem):
        ClientCredentialsTokens("letters", settings)


def test_development_mode_keeps_its_own_tokens() -> None:
    assert type(service_tokens_for("letters", ServiceSettings())).__name__ == "DevServiceTokens"
    create_app("intake", ServiceSettings(persistence="memory"), routers=[])  # `./slrt up` needs no settings


def test_generated_secrets_pass() -> None:
    assert all(random_looking(secrets.token_urlsafe(32)) for _ in range(200))
    assert not random_looking("passwordpasswordpasswordpassword")


@pytest.mark.parametrize(("module", "env", "line"), [
    ("slrt_intake", {}, "SLRT_AUTH_ISSUER is not the URL of the district's OpenID provider"),
    ("slrt_intake", {"SLRT_AUTH_ISSUER": ISSUER}, "SLRT_PERSON_INDEX_KEY is not set"),
    ("slrt_letters", {"SLRT_AUTH_ISSUER": ISSUER, "SLRT_AUTH_CLIENT_ID": "letters",
                      "SLRT_AUTH_CLIENT_SECRET": DEV_AUTH_SECRET}, "is the default published with SLRT"),
])
def test_the_service_process_refuses_with_one_line(tmp_path, module: str, env: dict[str, str], line: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SLRT_")}
    environment.update(SLRT_AUTH_DEV_ISSUER="false", SLRT_PERSISTENCE="memory", SLRT_DATA_DIR=str(tmp_path), **env)
    done = subprocess.run([sys.executable, "-m", module], env=environment, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "refusing to start in production mode" in lines[0] and line in lines[0], done.stderr
