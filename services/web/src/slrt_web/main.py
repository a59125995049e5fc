"""Assemble the application for people: pages, sessions, the services' clients, static files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from slrt_runtime.metrics import install as install_metrics
from slrt_runtime.production import require_secret

from .adapters.services import Refused, Services, SignedOut, Unavailable
from .application.signin import sign_in_for
from .entrypoints import cases, catalogue, citizen, dashboard, desk, dtks, field, letters, pages, prelist, referrals, regions
from .entrypoints.i18n import gettext as _
from .entrypoints.rendering import flash, refusal_text, render
from .entrypoints.security import NeedsSignIn
from .entrypoints.session_cookie import EncryptedSessionMiddleware
from .settings import WebSettings

SERVICE = "web"
STATIC = Path(__file__).resolve().parent / "static"
# Everything the pages use is served from here: no CDN, no inline script (the field app's and the
# desk's scripts are files), so the policy can be strict.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self' http: https:",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # receipt numbers and ids in URLs stay here
}


def _wants_html(request: Request) -> bool:
    return "application/json" not in request.headers.get("accept", "") and not request.url.path.endswith("/sync")


def build(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()
    if not settings.auth_dev_issuer:  # production mode: the cookie key must be the district's own
        require_secret(SERVICE, "SLRT_SESSION_SECRET", settings.session_secret.get_secret_value())
    elif len(settings.session_secret.get_secret_value()) < 32:
        raise ValueError("SLRT_SESSION_SECRET must be at least 32 characters")
    services = Services(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await services.close()

    app = FastAPI(title="SLRT web", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.settings, app.state.services = settings, services
    app.state.sign_in = sign_in_for(settings, services.intake)
    app.add_middleware(EncryptedSessionMiddleware, secret_key=settings.session_secret.get_secret_value(),
                       session_cookie="slrt_session", max_age=settings.session_max_age_seconds,
                       same_site="lax", https_only=settings.session_https_only)
    install_metrics(app)  # requests by route template: a receipt number or NIK in a path is never a label

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(NeedsSignIn)
    async def needs_sign_in(request: Request, exc: NeedsSignIn) -> Response:
        target = f"/sign-in?next={exc.next_path}"
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        if not _wants_html(request):
            return JSONResponse({"error": _("Your session has ended; please sign in again.")}, status_code=401)
        return RedirectResponse(target, 303)

    @app.exception_handler(SignedOut)
    async def signed_out(request: Request, _exc: SignedOut) -> Response:
        request.session.clear()
        flash(request, "error", _("Your session has ended; please sign in again."))
        if not _wants_html(request):
            return JSONResponse({"error": _("Your session has ended; please sign in again.")}, status_code=401)
        return RedirectResponse(f"/sign-in?next={request.url.path}", 303)

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, exc: Unavailable) -> Response:
        text = _("The %(service)s service does not answer right now; please try again in a moment.") % {
            "service": exc.service}
        if not _wants_html(request):
            return JSONResponse({"error": text}, status_code=503, headers={"Retry-After": "5"})
        return render(request, "error.html", status_code=503, problem=text)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        return render(request, "error.html", status_code=exc.refusal.status, problem=refusal_text(exc.refusal),
                      detail=exc.refusal.detail)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        texts = {403: _("You are not allowed to do this."), 404: _("Not found."),
                 405: _("Not found."), 422: _("Some data is missing or not valid.")}
        if exc.detail == "csrf":
            text = _("This form has expired. Open the page again and repeat.")
        else:
            text = texts.get(exc.status_code, _("The service could not do this; please try again."))
        if not _wants_html(request):
            return JSONResponse({"error": text}, status_code=exc.status_code)
        return render(request, "error.html", status_code=exc.status_code, problem=text)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, _exc: RequestValidationError) -> Response:
        return await http_error(request, HTTPException(422))

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return RedirectResponse("/static/icon.svg", 301)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (pages.router, desk.router, cases.router, field.router, citizen.router, regions.router,
                   letters.router, prelist.router, dtks.router, dashboard.router, catalogue.router,
                   referrals.router):
        app.include_router(router)
    return app
