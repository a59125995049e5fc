"""Every refusal as RFC 9457 ``application/problem+json``, and declared so in the OpenAPI document.

One shape for every service (and the idempotency middleware's own answers): ``type``, ``title``,
``status``, ``detail`` and the extension ``error``, the domain error's class name, which clients
(the web application) already read. A malformed request adds ``errors``: which field broke which
rule, never the value (a mistyped NIK or a name must not come back in a body a proxy may log).
"""

from __future__ import annotations

import sqlite3
import logging
from http import HTTPStatus
from typing import Any

from eventsourcing.persistence import IntegrityError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from .errors import DomainError
from .validation import field_problems

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# The `error` of refusals raised as plain HTTP exceptions (auth, role and region checks, routing):
# named like the domain errors a client may already know (NotPermitted, NotFound).
_ERROR_BY_STATUS = {401: "NotAuthenticated", 403: "NotPermitted", 404: "NotFound", 409: "Conflict",
                    422: "InvalidRequest", 503: "Unavailable"}


class FieldProblem(BaseModel):
    field: str = Field(description="The field, dotted (`identity.name`, `items.0.nik`); list items by index")
    location: str = Field(description="Where the field was: body, query, path, header or cookie")
    rule: str = Field(description="The rule it broke (pydantic's error type, e.g. `string_pattern_mismatch`)")
    message: str = Field(description="The rule in words; never the refused value")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(default="about:blank", description="about:blank: the status code says it all")
    title: str = Field(description="The HTTP status phrase")
    status: int
    detail: str = Field(description="What went wrong, in a sentence for a developer (no personal data)")
    error: str = Field(description="The kind of refusal: the domain error's name (e.g. InvalidTransition)")
    errors: list[FieldProblem] | None = Field(default=None, description="Malformed request: each field and rule")


def problem(status: int, detail: str, error: str, *, errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
                            "detail": detail, "error": error}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(status_code=status, content=body, headers=headers, media_type=PROBLEM_JSON)


async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
    retry_after = getattr(exc, "retry_after", None)
    return problem(exc.status_code, str(exc), type(exc).__name__,
                   headers={"Retry-After": str(retry_after)} if retry_after else None)


async def _http_error(_: Request, exc: HTTPException) -> JSONResponse:
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = "Error"
    error = _ERROR_BY_STATUS.get(exc.status_code, phrase.replace(" ", "").replace("-", ""))
    return problem(exc.status_code, str(exc.detail), error, headers=exc.headers)


async def _malformed(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = field_problems(exc.errors())
    names = ", ".join(dict.fromkeys(e["field"] for e in errors))
    detail = (f"the request is not valid: {len(errors)} field{'s' if len(errors) != 1 else ''} "
              f"break{'' if len(errors) != 1 else 's'} a rule ({names})")
    return problem(422, detail, "ValidationError", errors=errors)


async def _concurrent_change(_: Request, exc: IntegrityError) -> JSONResponse:
    # A version conflict: somebody changed the same case at the same moment. Nothing was saved.
    return problem(409, "the case was changed by someone else at the same moment; nothing was saved, try again",
                   "ConcurrentChange", headers={"Retry-After": "1"})


async def _busy_store(_: Request, exc: Exception) -> JSONResponse:
    # Busy or unreachable storage (pool exhausted, database locked, connection lost): the command's
    # transaction was rolled back, so the client may safely retry.
    log.warning("store busy or unavailable: %s", type(exc).__name__)
    return problem(503, "the store is busy; nothing was saved, try again in a moment", "StoreBusy",
                   headers={"Retry-After": "1"})


_DESCRIPTIONS = {401: "No valid bearer token", 403: "The role or region does not allow this",
                 404: "Not found", 409: "Not possible in the current state, or changed at the same moment",
                 422: "Malformed request, or refused by a rule of the domain",
                 503: "Store or broker busy or unreachable; nothing was saved, retry (Retry-After)"}
_COMMANDS = {"post", "put", "patch", "delete"}
_OPS_WITHOUT_STORE = {"/healthz", "/metrics"}


def _statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The refusals an operation can answer, from what it declares: a token, path values, a body."""
    statuses = []
    if operation.get("security"):
        statuses += [401, 403]
    if "{" in path:
        statuses.append(404)
    if method in _COMMANDS:
        statuses.append(409)
    if method in _COMMANDS or operation.get("parameters") or operation.get("requestBody"):
        statuses.append(422)
    if path not in _OPS_WITHOUT_STORE:
        statuses.append(503)
    return statuses


def declare(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the problem responses to every operation of an OpenAPI document (in place, idempotent)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components["FieldProblem"] = components["Problem"].pop("$defs")["FieldProblem"]
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's own 422 shape, replaced
        components.pop(name, None)
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status in _statuses(path, method, operation):
                declared = responses.setdefault(str(status), {"description": _DESCRIPTIONS[status]})
                if status == 422 or "content" not in declared:
                    declared["content"] = content
                    if status == 422:
                        declared["description"] = _DESCRIPTIONS[422]
    return schema


def install(app: FastAPI) -> None:
    """Answer every refusal of ``app`` as problem+json and declare them in its OpenAPI document."""
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _malformed)  # type: ignore[arg-type]
    app.add_exception_handler(IntegrityError, _concurrent_change)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, _busy_store)
    app.add_exception_handler(sqlite3.OperationalError, _busy_store)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            declare(generate())
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
