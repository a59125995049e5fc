"""Monev reports for a quarter, semester or year and a region, as PDF and XLSX."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...application.dashboard import dashboard
from ...domain.periods import Period
from ...adapters.reports.pdf import render_pdf
from ...adapters.reports.xlsx import render_xlsx
from .dashboard import Models, PeriodQuery, RegionQuery, Staff, scoped

reports = APIRouter(prefix="/reports", tags=["monev reports"])
MEDIA = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@reports.get("/monev.{fmt}", summary="Monev report (same figures as the dashboard)")
def monev(request: Request, fmt: Literal["pdf", "xlsx"], view: Models, actor: Staff,
          region: RegionQuery = None, period: PeriodQuery = None) -> Response:
    prefix = scoped(actor, region)
    p = Period.parse(period)
    figures = dashboard(view.store, prefix, p)
    title = f"Laporan Monev SLRT {p.label} — wilayah {prefix}"
    body = render_pdf(figures, title, request.app.state.settings) if fmt == "pdf" else render_xlsx(figures, title)
    filename = f"monev-{prefix}-{p.label}.{fmt}"
    return Response(body, media_type=MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'})
