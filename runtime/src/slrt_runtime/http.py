"""The FastAPI app every service starts from: auth, health, clear errors, OpenAPI docs."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import APIRouter, FastAPI, HTTPException
from fastapi_offline import FastAPIOffline
from fastapi.responses import JSONResponse
from opentelemetry import trace
from pydantic import BaseModel, Field
from slrt_contracts import Actor, NotificationId, Role, Text
from slrt_reference.regions import regions

from .auth import CurrentActor, DevTokenAuthenticator, remember_actor
from .production import authenticator_for
from .idempotency import IdempotencyMiddleware
from .consumers import TrackedConsumer
from .deadlines import DeadlineBook, DeadlineWatcher, OnDue
from .eventstore import ServiceApplication
from .messaging import ServiceMessaging
from .outbox import Translator
from .settings import ServiceSettings
from . import telemetry
from .metrics import PlatformCollector, install as install_metrics
from .problems import install as install_problems

log = logging.getLogger(__name__)


NO_NATIVE_TELEMETRY: Any = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
"""FastAPI's own telemetry, off: it would add a second server span per request (ours continues the
trace into the stored events), and its log records carry exception messages, which may echo input."""


class TracingMiddleware:
    """Plain ASGI (no per-request task and streams as with ``@app.middleware``). The span is named
    after the route template once routed (``GET /registry/people/{nik}``), never the raw path,
    which may hold a NIK."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or telemetry.tracing_off():
            await self.app(scope, receive, send)
            return
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]
                   if k in (b"traceparent", b"tracestate")}
        method = scope["method"]
        with telemetry.span(method, carrier, trace.SpanKind.SERVER) as span:
            try:
                await self.app(scope, receive, send)
            finally:
                route = scope.get("route")
                if route is not None and span.is_recording():
                    span.update_name(f"{method} {getattr(route, 'path', '')}")


class DevTokenRequest(BaseModel):
    sub: Text = Field(min_length=1, max_length=64, examples=["fo-1605-01"])
    role: Role
    region: str = Field(pattern=r"^\d{2}(\d{2}(\d{2}(\d{4})?)?)?$", examples=["1605"])
    agency: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]{1,31}$")
    ttl_minutes: int = Field(default=720, ge=1, le=7 * 24 * 60)


class RepublishRequest(BaseModel):
    from_notification_id: NotificationId = Field(default=1, description="First position of the service's event log")
    to_notification_id: NotificationId | None = Field(default=None, description="Last position (inclusive); none = all")


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"


def create_app(
    service: str,
    settings: ServiceSettings,
    *,
    routers: Sequence[APIRouter],
    messaging: ServiceMessaging | None = None,
    ready_check: Callable[[], Any] | None = None,
    background: Sequence[Any] = (),
    description: str = "",
) -> FastAPI:
    """``background``: objects with async ``start()``/``stop()`` run for the app's lifetime."""
    authenticator = authenticator_for(service, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warm = getattr(authenticator, "warm", None)
        if warm is not None and not await anyio.to_thread.run_sync(warm):
            log.warning("the identity provider's keys could not be fetched at start; tokens will retry")
        if messaging is not None:
            await messaging.start()
        for task in background:
            await task.start()
        try:
            yield
        finally:
            for task in reversed(background):
                await task.stop()
            if messaging is not None:
                await messaging.stop()
            await anyio.to_thread.run_sync(telemetry.flush)

    # Swagger UI and ReDoc from the package's bundled files: a district's network may not reach a CDN.
    app = FastAPIOffline(title=f"SLRT {service}", version="0.1.0", description=description, lifespan=lifespan,
                         telemetry=NO_NATIVE_TELEMETRY)
    app.state.authenticator = authenticator
    app.state.settings = settings
    app.state.messaging = messaging
    install_problems(app)
    regions()  # the region reference data, loaded before the first request rather than during it

    # A server span per request (continuing the caller's traceparent): the events a command stores
    # carry this trace, so the relay and every consumer downstream continue it.
    app.add_middleware(TracingMiddleware)
    app.state.metrics = PlatformCollector(service, messaging)
    install_metrics(app, app.state.metrics)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:  # async: no worker thread for a probe
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], responses={503: {
        "description": "Not ready: the store does not answer (problem+json), or NATS is not connected (the status)",
        "content": {"application/json": {}, "application/problem+json": {}}}})
    def readyz() -> dict[str, Any]:
        # Ready while the store answers and, for a service with messaging, NATS is connected right now:
        # commands would be stored without NATS (the outbox waits), but nothing moves between services,
        # so an orchestrator (or `slrt up` after restarting nats-server) should see it as not ready.
        try:
            if ready_check is not None:
                ready_check()
        except Exception as e:  # noqa: BLE001
            raise HTTPException(503, f"event store not reachable: {type(e).__name__}") from None
        status: dict[str, Any] = {"status": "ready"}
        if messaging is not None:
            try:  # connected once, and nats-py's client connected now (not reconnecting after a loss)
                connected = messaging.connected.is_set() and messaging.broker is not None and bool(
                    messaging.broker.connection.is_connected)
            except Exception:  # noqa: BLE001 - no connection object yet
                connected = False
            status["nats_connected"] = connected
            status["relay_published"] = sum(r.published for r in messaging.relays)
            status["consumed"] = {c.name: c.processed for c in messaging.consumers}
            status["dead_lettered"] = {c.name: c.dead_lettered for c in messaging.consumers}
            if not connected:
                return JSONResponse(status_code=503, content={
                    **status, "status": "not ready", "detail": "not connected to NATS; reconnecting"})
        return status

    if settings.auth_dev_issuer:
        @app.post("/auth/dev-token", tags=["auth"], response_model=TokenResponse,
                  summary="Development token issuer (disabled in production: SLRT_AUTH_DEV_ISSUER=false)")
        def dev_token(body: DevTokenRequest) -> TokenResponse:
            try:
                actor = Actor(id=body.sub, role=body.role, region=body.region, agency=body.agency)
            except ValueError as e:
                raise HTTPException(422, str(e)) from None
            assert isinstance(authenticator, DevTokenAuthenticator)
            return TokenResponse(access_token=authenticator.issue(actor, dt.timedelta(minutes=body.ttl_minutes)))

    if messaging is not None:
        @app.post("/admin/outbox/republish", tags=["ops"],
                  summary="Publish stored events again (after a broker lost its streams); admin only")
        async def republish(body: RepublishRequest, actor: CurrentActor) -> dict[str, int]:
            if actor.role is not Role.ADMIN:
                raise HTTPException(403, "only an admin may republish events")
            if body.to_notification_id is not None and body.to_notification_id < body.from_notification_id:
                raise HTTPException(422, "to_notification_id is before from_notification_id")
            try:
                published = 0
                for relay in messaging.relays:
                    published += await relay.republish(body.from_notification_id, body.to_notification_id)
            except ConnectionError as e:
                raise HTTPException(503, f"NATS not reachable: {e}") from None
            return {"published": published}

    for router in routers:
        app.include_router(router)
    return app


def create_service_app(
    service: str,
    application: ServiceApplication,
    *,
    routers: Sequence[APIRouter],
    translate: Translator,
    consumers: Sequence[TrackedConsumer] = (),
    with_messaging: bool = True,
    deadlines: tuple[DeadlineBook, OnDue] | None = None,
    background: Sequence[Any] = (),
    description: str = "",
) -> FastAPI:
    """An event-sourced service: its application, outbox relay, consumers, deadline watcher and HTTP API."""
    tasks = list(background)
    if deadlines is not None:
        book, on_due = deadlines
        tasks.append(DeadlineWatcher(book, on_due, application.settings.deadline_poll_seconds))
    messaging = None
    if with_messaging:
        messaging = ServiceMessaging(service, application.settings)
        messaging.add_relay(application, translate)
        for consumer in consumers:
            messaging.add_consumer(consumer)
    app = create_app(
        service, application.settings, routers=routers, messaging=messaging,
        ready_check=application.recorder.max_notification_id, background=tasks, description=description,
    )
    app.state.application = application
    authenticator = app.state.authenticator

    def subject_of(authorization: str, scope: dict) -> str | None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            actor = authenticator.authenticate(token)
        except Exception:  # noqa: BLE001 - an invalid token is refused by the API itself
            return None
        remember_actor(scope, token, actor)  # the endpoint's dependency does not verify it again
        return actor.id

    app.add_middleware(IdempotencyMiddleware, service=service, store=application.commands, subject_of=subject_of)
    app.state.deadline_book = app.state.metrics.deadline_book = deadlines[0] if deadlines else None
    return app
