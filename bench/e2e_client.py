"""The desks' HTTP client of the end-to-end benchmark: keep-alive HTTP/1.1 connections on asyncio streams.

Why not httpx: on this 2-core machine httpx spent ~3.9 ms of CPU per POST (measured by the benchmark
itself), almost as much as intake spent serving it, and the load generator shares the two cores with the
platform it measures. Real desks run on their own machines, so the benchmark's client should cost as
little as it can: a request here is one prebuilt bytes write and one read of a ``Content-Length``
response (what uvicorn sends for every JSON answer), about a tenth of httpx's CPU.

Only what the benchmark needs: POST/GET, JSON bodies, ``Content-Length`` responses (a chunked answer is
refused loudly, never misread), a time-out per attempt, and connections re-opened after any failure.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class TransportError(Exception):
    """No answer: refused, reset or timed-out connection (the request may or may not have been acted on)."""


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()


class RawClient:
    """A pool of keep-alive connections to one origin (``http://host:port``)."""

    def __init__(self, origin: str, timeout: float) -> None:
        parts = urlsplit(origin)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self._idle: list[_Connection] = []
        self._host_header = f"Host: {self.host}:{self.port}\r\n".encode()

    async def post(self, path: str, body: Any, headers: dict[str, str]) -> Response:
        return await self.request("POST", path, json.dumps(body).encode(), headers)

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return await self.request("GET", path, None, headers or {})

    async def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Response:
        head = [f"{method} {path} HTTP/1.1\r\n".encode(), self._host_header]
        head += [f"{k}: {v}\r\n".encode() for k, v in headers.items()]
        if body is not None:
            head.append(f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n".encode())
        head.append(b"\r\n")
        message = b"".join(head) + (body or b"")
        while True:
            conn = self._idle.pop() if self._idle else None
            reused = conn is not None
            try:
                async with asyncio.timeout(self.timeout):
                    if conn is None:
                        conn = _Connection(*await asyncio.open_connection(self.host, self.port))
                    conn.writer.write(message)
                    response, keep = await self._read(conn.reader)
            except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                    ValueError) as e:
                if conn is not None:
                    conn.close()
                # A kept-alive connection the server closed meanwhile (uvicorn drops idle ones after 5 s)
                # fails before any byte of an answer: send again on a new one, as browsers and httpx do.
                if reused and isinstance(e, asyncio.IncompleteReadError) and not e.partial:
                    continue
                raise TransportError(f"{type(e).__name__}: {e}") from e
            if keep:
                self._idle.append(conn)
            else:
                conn.close()
            return response

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> tuple[Response, bool]:
        block = await reader.readuntil(b"\r\n\r\n")
        lines = block.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", ""):
            raise ValueError("chunked responses are not read by this client")
        content = await reader.readexactly(int(headers.get("content-length", "0")))
        return Response(status, headers, content), headers.get("connection", "").lower() != "close"

    def close(self) -> None:
        for conn in self._idle:
            conn.close()
        self._idle.clear()


def fast_loop() -> Any:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
