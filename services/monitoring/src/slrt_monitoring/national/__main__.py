"""``python -m slrt_monitoring.national``: run the national aggregator and its overview."""

from __future__ import annotations

import uvicorn

from .settings import NationalSettings
from .app import create_national_app

settings = NationalSettings()
uvicorn.run(create_national_app(settings), host=settings.http_host, port=settings.http_port)
