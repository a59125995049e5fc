"""A real OpenID provider for the tests: the npm package oidc-provider (version 8) run with Node.

Its package.json and package-lock.json live in ``tests/oidc/``; ``npm ci`` installs them on first
use, as CI does on a fresh machine. The provider signs with keys made here, so a test can rotate
them (start it again with a new key) and knows every key id.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from joserfc.jwk import ECKey, RSAKey

from .natsserver import free_port

PROVIDER_DIR = Path(__file__).resolve().parents[3] / "tests" / "oidc"
RESOURCE = "https://api.slrt.test"


def new_key(kid: str, alg: str = "RS256") -> dict[str, Any]:
    params = {"kid": kid, "alg": alg, "use": "sig"}
    key = RSAKey.generate_key(2048, parameters=params) if alg == "RS256" else ECKey.generate_key("P-256", parameters=params)
    return key.as_dict(private=True)


def ensure_installed() -> None:
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm not found: the OpenID provider of the tests needs Node 20 and npm")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=PROVIDER_DIR, check=True)


@dataclass
class OidcProvider:
    """Users log in with any password; clients and their claims are what the tests declare."""

    users: dict[str, dict[str, str]] = field(default_factory=dict)
    clients: list[dict[str, Any]] = field(default_factory=list)
    client_claims: dict[str, dict[str, str]] = field(default_factory=dict)
    ttl: dict[str, int] = field(default_factory=dict)
    keys: list[dict[str, Any]] = field(default_factory=lambda: [new_key("key-1")])
    port: int = field(default_factory=free_port)
    resource: str = RESOURCE
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "OidcProvider":
        ensure_installed()
        config = {"port": self.port, "issuer": self.issuer, "resource": self.resource,
                  "alg": self.keys[0]["alg"],  # access tokens signed with the first key
                  "jwks": {"keys": self.keys}, "clients": self.clients, "users": self.users,
                  "client_claims": self.client_claims, "ttl": self.ttl}
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(["node", str(PROVIDER_DIR / "provider.mjs")], cwd=PROVIDER_DIR,
                                        env={**os.environ, "SLRT_TEST_OIDC": json.dumps(config)},
                                        stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oidc-provider exited with {self.process.returncode} (log: {self.log_path})")
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("oidc-provider did not answer in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart_with_keys(self, keys: list[dict[str, Any]]) -> None:
        """Key rotation: the provider signs with the first key from now on and publishes all of them."""
        self.stop()
        self.keys = keys
        self.start()

    def client_token(self, client_id: str, secret: str) -> str:
        """An access token by the client-credentials grant, for the platform's API."""
        r = httpx.post(f"{self.issuer}/token", auth=(client_id, secret), timeout=10,
                       data={"grant_type": "client_credentials", "resource": self.resource, "scope": "api"})
        if r.status_code != 200:
            raise RuntimeError(f"the provider gave no token: {r.status_code} {r.text}")
        return r.json()["access_token"]
