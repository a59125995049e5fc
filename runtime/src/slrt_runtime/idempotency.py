"""``Idempotency-Key`` on every state-changing request: a retried request acts once.

A client (a desk's browser, a facilitator's app, an agency's system) makes a key per intended
action and sends it again with every retry. The key is recorded in the same transaction as the
command's effects (:mod:`slrt_runtime.transactions`), and the response is stored beside it with
the next commit after it was sent (the request does not wait for that commit; a later lookup of
the key queues behind it). A retry with the same key and the same request answers the first
result; with another request it is refused (409). A retry that arrives while the first is still
running is told to retry (409 with ``Retry-After``). Requests that changed nothing record nothing:
repeating them is harmless by definition.

If the process died after the commit and before the response was stored, the retry runs the
handler once more in *replay* mode: reads are allowed, any write is refused. A command that is
naturally idempotent (a registration whose complaint id derives from the key) then answers its
result; any other answers that the request was already carried out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import random
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from .errors import DomainError
from .transactions import CommandStore, IdempotencyRecord

log = logging.getLogger(__name__)

HEADER = "idempotency-key"
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_STORED_BODY = 1 << 20
RETENTION = dt.timedelta(hours=48)


class AlreadyCarriedOut(DomainError):
    """A replayed request would act again: it was already carried out."""

    status_code = 409


class RequestInProgress(DomainError):
    """Another request with the same key is being carried out right now."""

    status_code = 409
    retry_after = 1


@dataclass
class IdempotentCall:
    """The key of the request being served; shared (by reference) with the worker thread."""

    key: str
    fingerprint: str
    subject: str
    replay: bool = False
    recorded: bool = False

    def record(self) -> IdempotencyRecord | None:
        """The record to write with the command's transaction (once per request)."""
        if self.recorded or self.replay:
            return None
        return IdempotencyRecord(self.key, self.fingerprint, self.subject)


current_call: ContextVar[IdempotentCall | None] = ContextVar("slrt_idempotent_call", default=None)


def idempotent_id(namespace: uuid.UUID) -> uuid.UUID | None:
    """An aggregate id derived from the request's Idempotency-Key, for commands that create one:
    a replay after a crash then finds what the first attempt created instead of acting again."""
    call = current_call.get()
    return uuid.uuid5(namespace, call.key) if call is not None else None


def scoped_key(service: str, subject: str, key: str) -> str:
    """Keys are the client's: scope them by service and caller so two clients never collide."""
    return hashlib.sha256(f"{service}\x00{subject}\x00{key}".encode()).hexdigest()


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    try:  # the same JSON sent again with other spacing or key order is the same request
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode() if body else b""
    except (ValueError, UnicodeDecodeError):
        canonical = body
    return hashlib.sha256(b"\x00".join([method.encode(), path.encode(), query, canonical])).hexdigest()


def _problem(status: int, title: str, detail: str, error: str, retry_after: int | None = None) -> tuple[int, list, bytes]:
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail,
                       "error": error}).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    return status, headers, body


class IdempotencyMiddleware:
    """ASGI middleware: answers retries from the stored response, records new ones.

    ``subject_of(authorization header, scope) -> str | None`` names the caller (the token's subject);
    requests without a valid caller pass through untouched (they are refused by the API anyway).
    """

    def __init__(self, app: Any, *, service: str, store: CommandStore, subject_of: Any) -> None:
        self.app, self.service, self.store, self.subject_of = app, service, store, subject_of

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in _UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        raw_key = next((v for k, v in scope["headers"] if k == b"idempotency-key"), None)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1")
        if not _KEY_RE.match(key):
            await _send(send, *_problem(422, "Idempotency-Key tidak sah", "Idempotency-Key must be 1-200 "
                                        "visible ASCII characters (for example a UUID)", "InvalidIdempotencyKey"))
            return
        authorization = next((v for k, v in scope["headers"] if k == b"authorization"), b"").decode("latin-1")
        subject = self.subject_of(authorization, scope)
        if subject is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        call = IdempotentCall(scoped_key(self.service, subject, key),
                              fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), body),
                              subject)
        stored = await self.store.lookup(call.key)
        if stored is not None:
            if stored.fingerprint != call.fingerprint:
                await _send(send, *_problem(
                    409, "Idempotency-Key sudah dipakai", "this Idempotency-Key was already used for a different "
                    "request; make a new key for a new action", "IdempotencyKeyReused"))
                return
            if stored.status is not None:
                headers = [(b"content-type", stored.content_type.encode()),
                           (b"content-length", str(len(stored.body)).encode()), (b"idempotent-replayed", b"true")]
                if stored.location:
                    headers.append((b"location", stored.location.encode()))
                await _send(send, stored.status, headers, stored.body)
                return
            call.replay = True  # committed, response lost: run again, but it may not write

        status_holder: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        token = current_call.set(call)
        try:
            await self.app(scope, _replay_body(body), capture)
        finally:
            current_call.reset(token)
        if call.recorded or (call.replay and status_holder.get("status", 500) < 400):
            await self._store(call.key, status_holder, b"".join(chunks))

    async def _store(self, key: str, holder: dict[str, Any], body: bytes) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in holder.get("headers", [])}
        if len(body) > MAX_STORED_BODY:
            body, content_type = b"", "application/json"
        else:
            content_type = headers.get("content-type", "application/json")
        try:
            self.store.store_response_later(key, int(holder.get("status", 500)), body, content_type,
                                            headers.get("location"))
            if random.random() < 0.001:  # noqa: S311 - housekeeping now and then, not security
                await asyncio.to_thread(self.store.prune_responses, dt.datetime.now(dt.UTC) - RETENTION)
        except Exception as e:  # noqa: BLE001 - the command is done; a retry then replays instead
            log.warning("could not store the response of an idempotent request: %s", type(e).__name__)


async def _read_body(receive: Any) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(parts)


def _replay_body(body: bytes) -> Any:
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # like a client that keeps the connection open
        return {"type": "http.disconnect"}

    return receive


async def _send(send: Any, status: int, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
