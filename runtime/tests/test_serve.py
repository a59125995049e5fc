"""Services are served by uvicorn with uvloop and httptools (``uvicorn[standard]``), not asyncio + h11."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI
from slrt_runtime.serve import fast_server_parts
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def test_the_server_runs_on_uvloop_and_httptools() -> None:
    assert fast_server_parts() == {"loop": "uvloop", "http": "httptools"}
    config = uvicorn.Config(FastAPI(), **fast_server_parts())
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
