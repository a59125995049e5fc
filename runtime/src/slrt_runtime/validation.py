"""The 422 answer to a malformed request: which field and what is wrong, never the value.

FastAPI's default answer echoes every refused ``input``: a mistyped NIK or a name would come back in
the error body (and be logged by whatever logs bodies), and a lone surrogate in the input cannot even
be encoded as the JSON answer (a 500). This handler keeps ``type``, ``loc`` and ``msg`` only.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from slrt_contracts.values import printable


def _error(error: dict[str, Any]) -> dict[str, Any]:
    # A loc may hold a client's dict key: printable() so that it can always be encoded.
    loc = [printable(part) if isinstance(part, str) else part for part in error.get("loc", ())]
    return {"type": error.get("type"), "loc": loc, "msg": printable(str(error.get("msg", "")))}


async def request_validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": [_error(e) for e in exc.errors()]})


def install(app: FastAPI) -> None:
    """Answer malformed requests to ``app`` without echoing their values."""
    app.add_exception_handler(RequestValidationError, request_validation_error)  # type: ignore[arg-type]
