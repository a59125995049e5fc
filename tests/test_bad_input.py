"""Bad input is a 422 that names the field, never a 500 — on every endpoint of every service.

The cases come from each service's own OpenAPI document, so an endpoint added tomorrow is covered
without anyone remembering to: a NUL byte in every free-text field of every body, query and path
parameter; an integer above what SQLite and PostgreSQL hold (2**64) in every integer; a malformed
value in every path parameter. Each is sent with a token of the first role the endpoint lets in (the
services in memory, as their own API tests run them, messaging configured but not started); the answer must be 422 with an error at that
very field, and must not echo the refused value.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from slrt_contracts import Role
from slrt_runtime.settings import Persistence, ServiceSettings

DISTRICT = "1605"
NUL_TEXT = "Kartu KIS\x00 hilang"
HUGE = 2**64  # SQLite: OverflowError (> 2**63 - 1); PostgreSQL: out of range for bigint
MALFORMED_PATH = ("a\x00b", " x!")
# Valid values for path parameters that have to be filled in while another one carries the fault.
VALID_PATH = {"receipt_number": "RK-1605-26-000001", "nik": "1605014107800001", "period": "2026-01",
              "fmt": "csv", "version": "v1", "code": "sktm", "queue": "front-office"}
# Endpoints that answer a malformed value on purpose with something other than 422.
NOT_422 = {
    ("GET", "/public/verify/{letter_id}"): "a citizen's mistyped QR link is 'unknown' (200): nothing is stored or looked up",
}


def _settings(service: str, tmp_path: Path) -> ServiceSettings:
    # Messaging configured (so the admin commands exist) but never started: the client is not entered.
    persistence = Persistence.SQLITE if service == "monitoring" else Persistence.MEMORY
    return ServiceSettings(persistence=persistence, district=DISTRICT, data_dir=tmp_path, nats_url="nats://127.0.0.1:1")


SERVICES = ("intake", "dtks", "referral", "letters", "monitoring")


class Service:
    """A service in memory and its OpenAPI document, with a token per role."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app, raise_server_exceptions=False)
        self.spec = app.openapi()
        self._tokens: dict[Role, dict[str, str]] = {}
        self._let_in: dict[tuple[str, str], Role] = {}  # the first role each endpoint lets in

    def headers(self, role: Role) -> dict[str, str]:
        if role not in self._tokens:
            claims = {"sub": f"{role.value}-{DISTRICT}", "role": role.value, "region": DISTRICT}
            if role is Role.AGENCY:
                claims["agency"] = "dinkes"
            r = self.client.post("/auth/dev-token", json=claims)
            assert r.status_code == 200, r.text
            self._tokens[role] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return self._tokens[role]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for path, ops in self.spec["paths"].items():
            for method, op in ops.items():
                yield method.upper(), path, op

    def send(self, method: str, path: str, op: dict[str, Any], *, path_values: dict[str, str] | None = None,
             query: dict[str, Any] | None = None, body: Any = None) -> tuple[Role | None, Any]:
        """Send with the first role the endpoint lets in; (None, last answer) when none is let in."""
        values = {p["name"]: self.valid_path_value(p) for p in op.get("parameters", []) if p["in"] == "path"}
        values.update(path_values or {})
        url = path.format(**{k: _quote(v) for k, v in values.items()})
        content = op.get("requestBody", {}).get("content", {})
        kwargs: dict[str, Any] = {"params": query or {}}
        if "multipart/form-data" in content:
            form = self.resolve(content["multipart/form-data"]["schema"])["properties"]
            kwargs["files"] = {k: ("scan.pdf", b"%PDF-1.4", "application/pdf") for k, v in form.items()
                               if v.get("format") == "binary" or v.get("contentMediaType")}
            kwargs["data"] = body or {}
        elif "application/json" in content:
            kwargs["content"] = json.dumps({} if body is None else body)
            kwargs["headers"] = {"content-type": "application/json"}
        answer = None
        known = self._let_in.get((method, path))
        for role in [known] if known else Role:
            headers = {**kwargs.get("headers", {}), **self.headers(role)}
            answer = self.client.request(method, url, **{**kwargs, "headers": headers})
            if answer.status_code not in (401, 403):
                self._let_in[(method, path)] = role
                return role, answer
        return None, answer

    def valid_path_value(self, param: dict[str, Any]) -> str:
        schema = self.resolve(param["schema"])
        if "enum" in schema:
            return schema["enum"][0]
        if schema.get("format") == "uuid":
            return str(uuid.uuid4())
        if schema.get("examples"):
            return str(schema["examples"][0])
        return VALID_PATH.get(param["name"], "x")


def _quote(value: str) -> str:
    from urllib.parse import quote
    return quote(value, safe="")


def _has_error_at(answer: Any, loc: list[Any]) -> bool:
    """An error whose location holds ``loc`` in order (unions add their branch names in between)."""
    for error in answer.json().get("errors") or []:
        where = iter([error["location"], *error["field"].split(".")])
        if all(any(str(part) == step for step in where) for part in loc):
            return True
    return False


def _leaves(service: Service, schema: dict[str, Any], path: list[Any], depth: int = 0) -> Iterator[tuple[list[Any], dict[str, Any]]]:
    """Every scalar field of a request body, with its location (list items at index 0)."""
    schema = service.resolve(schema)
    if depth > 6:
        return
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
        if service.resolve(branch).get("type") != "null":
            yield from _leaves(service, branch, path, depth + 1)
    kind = schema.get("type")
    if kind == "object":
        for name, sub in schema.get("properties", {}).items():
            yield from _leaves(service, sub, [*path, name], depth + 1)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            yield [*path, "{key}"], {"type": "string"}  # a client's dict key is text too
            yield from _leaves(service, extra, [*path, "k"], depth + 1)
    elif kind == "array" and "items" in schema:
        yield from _leaves(service, schema["items"], [*path, 0], depth + 1)
    elif kind in ("string", "integer"):
        yield path, schema


def _nest(path: list[Any], value: Any) -> Any:
    """``["identity", "name"]``, v -> {"identity": {"name": v}}; list steps make one-item lists."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == 0:
        return [_nest(rest, value)]
    if head == "{key}":
        return {NUL_TEXT: True}
    return {head: _nest(rest, value)}


def _fault(schema: dict[str, Any]) -> Any:
    if schema.get("type") == "integer":
        return HUGE
    if ("enum" in schema or "const" in schema or "contentMediaType" in schema
            or schema.get("format") in ("uuid", "date", "date-time", "binary")):
        return None  # refused by parsing already
    return NUL_TEXT


@pytest.fixture(params=SERVICES)
def service(request: pytest.FixtureRequest, tmp_path: Path, service_app: Any) -> Service:
    return Service(service_app(request.param, _settings(request.param, tmp_path)))


def _check(problems: list[str], what: str, method: str, path: str, role: Role | None, answer: Any,
           loc: list[Any], domain_message: bool = False) -> None:
    """``domain_message``: a 422 with the service's own message (a string detail) will do as well, for
    values that are well-formed text but not a valid identifier (e.g. a NIK with a wrong birth date)."""
    if role is None:
        problems.append(f"{what}: {method} {path} lets no role in ({answer.status_code})")
    elif (method, path) in NOT_422:
        if answer.status_code >= 500:
            problems.append(f"{what}: {method} {path} answered {answer.status_code}")
    elif answer.status_code != 422 or not (
            _has_error_at(answer, loc) or domain_message and answer.json().get("error") != "ValidationError"):
        problems.append(f"{what}: {method} {path} as {role.value} answered {answer.status_code}, "
                        f"no error at {loc}: {answer.text[:300]}")
    elif answer.headers.get("content-type") != "application/problem+json":
        problems.append(f"{what}: {method} {path} answered {answer.headers.get('content-type')}, not problem+json")
    elif "\x00" in answer.text or "\\u0000" in answer.text or str(HUGE) in answer.text:
        problems.append(f"{what}: {method} {path} echoes the refused value: {answer.text[:300]}")


def test_every_operation_declares_its_refusals_as_problem_json(service: Service) -> None:
    """401/403 where a token is needed, 404 with a path value, 409 for commands, 422 with any input,
    503 where the store is read: each as application/problem+json with the Problem schema."""
    problems: list[str] = []
    for method, path, op in service.operations():
        expected = set()
        if op.get("security"):
            expected |= {"401", "403"}
        if "{" in path:
            expected.add("404")
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            expected |= {"409", "422"}
        if op.get("parameters") or op.get("requestBody"):
            expected.add("422")
        if path not in ("/healthz", "/metrics"):
            expected.add("503")
        for status in sorted(expected - set(op["responses"])):
            problems.append(f"{method} {path} does not declare {status}")
        for status, response in op["responses"].items():
            if status[0] in "45" and not (method == "GET" and path == "/readyz" and status == "503"):  # see readyz
                schema = response.get("content", {}).get("application/problem+json", {}).get("schema")
                if schema != {"$ref": "#/components/schemas/Problem"}:
                    problems.append(f"{method} {path} {status} is not problem+json: {response}")
    assert not problems, "\n".join(problems)
    assert {"type", "title", "status", "detail", "error"} <= set(service.spec["components"]["schemas"]["Problem"]["required"]) | {"type"}


def test_a_nul_byte_or_a_huge_number_in_any_body_field_is_a_422_at_that_field(service: Service) -> None:
    problems: list[str] = []
    for method, path, op in service.operations():
        content = op.get("requestBody", {}).get("content", {})
        media = next((m for m in ("application/json", "multipart/form-data") if m in content), None)
        if media is None:
            continue
        for loc, schema in _leaves(service, content[media]["schema"], []):
            value = _fault(schema)
            if value is None:
                continue
            role, answer = service.send(method, path, op, body=_nest(loc, value))
            _check(problems, f"body {'.'.join(map(str, loc))}", method, path, role, answer,
                   ["body", *[step for step in loc if step != "{key}"]])
    assert not problems, "\n".join(problems)


def test_a_nul_byte_or_a_huge_number_in_any_query_parameter_is_a_422(service: Service) -> None:
    problems: list[str] = []
    for method, path, op in service.operations():
        for param in op.get("parameters", []):
            if param["in"] != "query":
                continue
            schema = service.resolve(param["schema"])
            kinds = [service.resolve(s) for s in schema.get("anyOf", [schema])]
            value = next((v for v in map(_fault, kinds) if v is not None and not (
                isinstance(v, str) and any("enum" in k or k.get("type") == "boolean" for k in kinds))), None)
            if value is None:
                continue
            role, answer = service.send(method, path, op, query={param["name"]: value})
            _check(problems, f"query {param['name']}", method, path, role, answer, ["query", param["name"]])
    assert not problems, "\n".join(problems)


def test_a_malformed_path_parameter_is_a_422(service: Service) -> None:
    problems: list[str] = []
    for method, path, op in service.operations():
        for param in op.get("parameters", []):
            if param["in"] != "path":
                continue
            for value in MALFORMED_PATH:
                role, answer = service.send(method, path, op, path_values={param["name"]: value})
                _check(problems, f"path {param['name']}={value!r}", method, path, role, answer,
                       ["path", param["name"]], domain_message="\x00" not in value)
    assert not problems, "\n".join(problems)


# -- the same rules, as a front office meets them -------------------------------------------------

COMPLAINT = {"complaint_type": "grievance", "field": "health", "description": "Kartu KIS tidak aktif saat berobat",
             "region": {"district": DISTRICT, "subdistrict": "160501", "village": "1605012003"}}


@pytest.fixture
def intake(tmp_path: Path, service_app: Any) -> Service:
    return Service(service_app("intake", _settings("intake", tmp_path)))


def _register(intake: Service, body: dict[str, Any]) -> Any:
    # json.dumps escapes as JSON does on the wire: "\u0000", "\ud800"
    return intake.client.post("/complaints", content=json.dumps(body),
                              headers={**intake.headers(Role.FRONT_OFFICE), "content-type": "application/json"})


def _registered(intake: Service) -> int:
    return intake.client.get("/queues/front-office", headers=intake.headers(Role.FRONT_OFFICE)).json()["total"]


def test_a_description_with_a_nul_byte_is_refused_naming_the_field_and_nothing_is_registered(intake: Service) -> None:
    r = _register(intake, {**COMPLAINT, "description": "Kartu KIS\x00 tidak aktif"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [{"field": "description", "location": "body", "rule": "control_characters",
                                   "message": "must not contain control characters (such as NUL); tab, line feed and "
                                              "carriage return are allowed"}]
    assert r.json()["detail"] == "the request is not valid: 1 field breaks a rule (description)"
    assert "Kartu KIS" not in r.text
    assert _registered(intake) == 0


def test_a_lone_surrogate_in_a_name_is_a_422_not_a_500(intake: Service) -> None:
    r = _register(intake, {**COMPLAINT, "identity": {"name": "Siti \ud800 Aminah"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "identity.name"
    assert _registered(intake) == 0


def test_tabs_and_line_breaks_stay_welcome_in_text(intake: Service) -> None:
    r = _register(intake, {**COMPLAINT, "description": "Kartu KIS tidak aktif:\r\n\t- sejak Oktober\n\t- di RSUD",
                           "identity": {"name": "Siti Aminah", "address": "Dusun II\nDesa Sintetis"}})
    assert r.status_code == 201, r.text
    assert _registered(intake) == 1


def test_a_refused_nik_is_not_echoed_in_the_answer(intake: Service) -> None:
    mistyped = "1605031313770001"  # 13th month: not a birth date
    r = _register(intake, {**COMPLAINT, "nik": mistyped})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "nik"
    assert "birth date" in r.json()["errors"][0]["message"] and mistyped not in r.text


def test_a_receipt_number_that_cannot_be_one_is_422_and_not_looked_up(intake: Service) -> None:
    r = intake.client.get("/complaints/by-receipt/RK-1605-26-00000'1", headers=intake.headers(Role.FRONT_OFFICE))
    assert r.status_code == 422 and r.json()["errors"][0]["location"] == "path"
    assert r.json()["errors"][0]["field"] == "receipt_number"
    r = intake.client.get("/complaints/by-receipt/RK-1605-26-000001", headers=intake.headers(Role.FRONT_OFFICE))
    assert r.status_code == 404


def test_a_paging_offset_beyond_what_the_database_holds_is_422(intake: Service) -> None:
    r = intake.client.get("/queues/front-office", params={"offset": 2**63},
                          headers=intake.headers(Role.FRONT_OFFICE))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "offset"


def test_a_republish_from_a_position_no_log_can_reach_is_422(intake: Service) -> None:
    r = intake.client.post("/admin/outbox/republish", json={"from_notification_id": 2**63},
                           headers=intake.headers(Role.ADMIN))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "from_notification_id"


def test_a_ministry_decisions_file_with_a_nul_byte_is_refused(tmp_path: Path, service_app: Any) -> None:
    dtks = Service(service_app("dtks", _settings("dtks", tmp_path)))
    r = dtks.client.post("/prelist/decisions", content=f"proposal_id,decision,reason\n{uuid.uuid4()},refused,x\x00y\n",
                         headers={**dtks.headers(Role.DTKS_OPERATOR), "content-type": "text/csv"})
    assert r.status_code == 422 and "control characters" in r.json()["detail"]
