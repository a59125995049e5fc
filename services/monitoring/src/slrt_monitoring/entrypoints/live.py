"""Live updates: the projector tells the broadcaster after each commit; every open dashboard gets a
server-sent event and re-reads its figures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from ..projections.engine import Applied


class Broadcaster:
    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queues: set[asyncio.Queue[Applied]] = set()
        self.sent = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def __call__(self, applied: Applied) -> None:
        """Called from the projector's (worker) thread after a commit."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._fan_out, applied)

    def _fan_out(self, applied: Applied) -> None:
        for queue in list(self.queues):
            if queue.qsize() < 100:  # a stalled page loses updates, not the server's memory
                queue.put_nowait(applied)

    async def stream(self, region: str) -> AsyncIterator[dict[str, str]]:
        queue: asyncio.Queue[Applied] = asyncio.Queue()
        self.queues.add(queue)
        try:
            yield {"event": "hello", "data": "{}"}
            while True:
                applied = await queue.get()
                regions = [r for r in applied.regions if r.startswith(region) or region.startswith(r)]
                if not regions:
                    continue
                self.sent += 1
                yield {"event": "update", "data": json.dumps({"events": applied.events, "regions": regions,
                                                             "names": sorted(set(applied.names))})}
        finally:
            self.queues.discard(queue)
