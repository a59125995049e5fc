"""The national overview: HTTP API and a page, served by the aggregator process."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape
from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import HTMLResponse, Response
from slrt_contracts import Text
from slrt_runtime.metrics import install as install_metrics
from slrt_runtime.problems import install as install_problems

from .aggregator import Aggregator
from .settings import NationalSettings
from .store import Snapshots

PeriodQuery = Annotated[Text, Query(max_length=16, description="Monev period as the districts publish it")]
SHOWN = (("complaints", "all", "Pengaduan"), ("closed", "all", "Selesai"), ("households", "all", "Rumah tangga"),
         ("gap", "low_rank_no_programme", "Desil rendah tanpa program"),
         ("gap", "unanswered_past_deadline", "Lewat batas waktu"), ("overlap", "pbi_double", "PBI ganda"))


def create_national_app(settings: NationalSettings | None = None) -> FastAPI:
    settings = settings or NationalSettings()
    snapshots = Snapshots(settings.data_dir / "national.sqlite", max_staleness=settings.overview_max_staleness_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        app.state.aggregator = aggregator = Aggregator(settings, snapshots)
        task = asyncio.create_task(aggregator.run(stop))
        try:
            yield
        finally:
            stop.set()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, 10)

    app = FastAPI(title="SLRT national overview", lifespan=lifespan,
                  description="Anonymised monev aggregates of every district (counts only, small cells suppressed)")
    install_problems(app)
    install_metrics(app)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/status", summary="What the aggregator has read and keeps (counts only)")
    def status() -> dict[str, Any]:
        aggregator = getattr(app.state, "aggregator", None)
        return {"consuming": bool(aggregator and aggregator.ready.is_set()),
                "stats": dataclasses.asdict(aggregator.stats) if aggregator else {},
                "districts_per_period": snapshots.status()}

    # Served from the incrementally kept overview, serialised at most once a second while snapshots
    # arrive: polling it costs the consumer nothing (docs/monitoring.md, "National overview").
    @app.get("/overview", summary="Latest aggregates of every district and their national sums",
             response_class=Response, responses={200: {"content": {"application/json": {}}}})
    def overview(period: PeriodQuery = "semua") -> Response:
        return Response(snapshots.overview_json(period), media_type="application/json")

    @app.get("/", response_class=HTMLResponse, summary="National overview page")
    def page(period: PeriodQuery = "semua") -> str:
        data = snapshots.overview(period)
        head = "".join(f"<th>{escape(label)}</th>" for _, _, label in SHOWN)
        rows = "".join(
            f"<tr><td>{escape(code)}</td>" + "".join(
                f"<td>{escape(str(d['figures'].get(m, {}).get(k, 0)))}</td>" for m, k, _ in SHOWN) + "</tr>"
            for code, d in data["districts"].items())
        totals = "".join(
            f"<td><b>{data['national'].get(m, {}).get(k, {}).get('count', 0)}</b></td>" for m, k, _ in SHOWN)
        return (f"<!doctype html><html lang='id'><head><meta charset='utf-8'><title>SLRT nasional</title></head>"
                f"<body><h1>SLRT — ringkasan nasional ({escape(period)})</h1><table border='1'><tr><th>Kabupaten/kota"
                f"</th>{head}</tr>{rows}<tr><td><b>Nasional</b></td>{totals}</tr></table>"
                "<p>Angka 1–4 di kabupaten/kota tidak dikirim (&lt;5) dan tidak ikut dijumlahkan.</p></body></html>")

    app.state.snapshots = snapshots
    return app
