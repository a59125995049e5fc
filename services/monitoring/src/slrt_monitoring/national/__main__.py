"""``python -m slrt_monitoring.national``: run the national aggregator and its overview."""

from __future__ import annotations

import logging

import uvicorn
from slrt_runtime.serve import settle_collector

from .app import create_national_app
from .settings import NationalSettings

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
settings = NationalSettings()
app = create_national_app(settings)
settle_collector()
# No access log: the overview and /status are polled; the aggregator logs what it does.
uvicorn.run(app, host=settings.http_host, port=settings.http_port, access_log=False)
