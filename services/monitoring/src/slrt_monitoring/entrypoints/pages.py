"""The staff dashboard page and the public dashboard page (server-rendered HTML, a little JS)."""

from __future__ import annotations

from html import escape
from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from slrt_contracts import Actor, Text
from slrt_runtime.auth import AuthError
from sse_starlette.sse import EventSourceResponse

from ..application.dashboard import dashboard, oldest_open
from ..domain.periods import Period
from ..application.public import public_dashboard
from .api.dashboard import STAFF_ROLES, Models, PeriodQuery, RegionQuery, Staff, scoped
from ..domain.areas import area_label
from .render import public_fragment, staff_fragment

pages = APIRouter(tags=["pages"])
STATIC = files("slrt_monitoring") / "static"


def _shell(title: str, body: str, script: str = "") -> str:
    css = (STATIC / "style.css").read_text()
    return (f'<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{css}</style></head>'
            f"<body>{body}{script}</body></html>")


@pages.get("/dashboard", response_class=HTMLResponse, summary="Staff dashboard page (token in ?token= once)")
def dashboard_page(request: Request) -> str:
    settings = request.app.state.settings
    body = (f'<header><h1>Dasbor SLRT — {escape(settings.office_name)}</h1>'
            '<form id="filters"><label>Wilayah <input name="region" pattern="\\d{2,10}" placeholder="kode wilayah"></label>'
            '<label>Periode <input name="period" placeholder="2026-Q4 / 2026-S2 / 2026"></label>'
            '<button>Terapkan</button><span id="live" class="live">menghubungkan…</span></form></header>'
            '<main id="figures" aria-live="polite">Memuat…</main>')
    return _shell("Dasbor SLRT", body, '<script src="/dashboard/app.js"></script>')


@pages.get("/dashboard/app.js", include_in_schema=False)
def dashboard_js() -> Response:
    return Response((STATIC / "dashboard.js").read_text(), media_type="text/javascript")


@pages.get("/dashboard/fragment", response_class=HTMLResponse, summary="The figures as server-rendered HTML")
def dashboard_fragment(view: Models, actor: Staff, region: RegionQuery = None, period: PeriodQuery = None) -> str:
    prefix = scoped(actor, region)
    figures = dashboard(view.store, prefix, Period.parse(period))
    figures["queues"]["oldest_open"] = oldest_open(view.store, prefix)
    return staff_fragment(figures)


@pages.get("/public/dashboard.html", response_class=HTMLResponse, summary="Public dashboard page")
def public_page(request: Request, view: Models, region: RegionQuery = None, period: PeriodQuery = None) -> str:
    settings = request.app.state.settings
    figures = public_dashboard(view.store, region or settings.district, Period.parse(period))
    body = (f"<header><h1>Transparansi SLRT — wilayah {escape(area_label(figures['region']))}</h1>"
            f"<p>Periode: {escape(figures['period'])}</p></header><main>{public_fragment(figures)}</main>")
    return _shell("Transparansi SLRT", body)


def query_token_actor(request: Request, access_token: Annotated[Text | None, Query(max_length=4096)] = None) -> Actor:
    """EventSource cannot send headers: the SSE endpoint takes the same bearer token as a query parameter."""
    token = access_token or request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not token:
        raise HTTPException(401, "missing token")
    try:
        actor = request.app.state.authenticator.authenticate(token)
    except AuthError as e:
        raise HTTPException(401, str(e)) from None
    if actor.role not in STAFF_ROLES and actor.role.value != "admin":
        raise HTTPException(403, f"role {actor.role.value} may not see the dashboard")
    return actor


SseActor = Annotated[Actor, Depends(query_token_actor)]


@pages.get("/dashboard/events", summary="Server-sent events: 'update' whenever new events were applied")
async def dashboard_events(request: Request, actor: SseActor, region: RegionQuery = None) -> EventSourceResponse:
    return EventSourceResponse(request.app.state.broadcaster.stream(scoped(actor, region)), ping=15)
