"""The Keycloak realm export of deploy/k8s/keycloak puts into the tokens what the services read with
the settings of base/config.yaml: every SLRT role, the region and agency claims, the audience."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from slrt_contracts import Role
from slrt_runtime.oidc import ClaimsMapping

K8S = Path(__file__).resolve().parents[1] / "deploy" / "k8s"
REALM = json.loads((K8S / "keycloak" / "slrt-realm.json").read_text())
CONFIG = yaml.safe_load((K8S / "base" / "config.yaml").read_text())["data"]


def client(client_id: str) -> dict:
    (found,) = [c for c in REALM["clients"] if c["clientId"] == client_id]
    return found


def test_the_realm_has_exactly_the_slrt_roles() -> None:
    assert {r["name"] for r in REALM["roles"]["realm"]} == {r.value for r in Role}


def test_both_clients_put_audience_region_and_agency_into_access_tokens() -> None:
    for client_id in ("slrt-web", "slrt-letters"):
        mappers = {m["protocolMapper"]: m for m in client(client_id)["protocolMappers"]
                   if m["protocolMapper"] == "oidc-audience-mapper"}
        assert mappers["oidc-audience-mapper"]["config"]["included.custom.audience"] == CONFIG["SLRT_AUTH_AUDIENCE"]
        claims = {m["config"]["claim.name"] for m in client(client_id)["protocolMappers"]
                  if m["protocolMapper"] == "oidc-usermodel-attribute-mapper"
                  and m["config"]["access.token.claim"] == "true"}
        assert {CONFIG["SLRT_AUTH_REGION_CLAIM"], CONFIG["SLRT_AUTH_AGENCY_CLAIM"]} <= claims
        assert "roles" in client(client_id)["defaultClientScopes"]  # realm_access.roles


def test_a_keycloak_token_maps_to_the_actor() -> None:
    mapping = ClaimsMapping(role=CONFIG["SLRT_AUTH_ROLE_CLAIM"], region=CONFIG["SLRT_AUTH_REGION_CLAIM"],
                            agency=CONFIG["SLRT_AUTH_AGENCY_CLAIM"])
    claims = {"realm_access": {"roles": ["default-roles-slrt-1605", "offline_access", "agency"]},
              "region": "1605", "agency": "dinkes"}
    assert (mapping.role_of(claims), mapping.scalar(claims, "region"), mapping.scalar(claims, "agency")) == (
        "agency", "1605", "dinkes")


def test_web_signs_in_with_pkce_and_letters_uses_client_credentials() -> None:
    web, letters = client("slrt-web"), client("slrt-letters")
    assert web["standardFlowEnabled"] and not web["publicClient"] and not web["directAccessGrantsEnabled"]
    assert web["attributes"]["pkce.code.challenge.method"] == "S256"
    assert all(uri.endswith("/sign-in/callback") for uri in web["redirectUris"])
    assert letters["serviceAccountsEnabled"] and not letters["standardFlowEnabled"]
    (account,) = [u for u in REALM["users"] if u.get("serviceAccountClientId") == "slrt-letters"]
    assert account["realmRoles"] == [Role.SERVICE.value] and account["attributes"]["region"]


def test_region_and_agency_are_declared_and_only_admins_set_them() -> None:
    (profile_component,) = REALM["components"]["org.keycloak.userprofile.UserProfileProvider"]
    profile = json.loads(profile_component["config"]["kc.user.profile.config"][0])
    attributes = {a["name"]: a for a in profile["attributes"]}
    for name in ("region", "agency"):
        assert attributes[name]["permissions"]["edit"] == ["admin"], name
