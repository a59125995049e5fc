"""Live updates: every open dashboard gets a server-sent event when new events were applied, and
re-reads its figures.

With several replicas each pod's consumers apply only part of the events (a durable consumer spreads
its messages), so the updates do not come from this pod's projector: each committed batch leaves a row
in the read model's ``changes`` table, and every pod polls it (one indexed query every
``POLL_SECONDS``) — a page on any pod sees every change.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

from ..projections.engine import Applied, changes_since
from ..application.readmodel import ReadModels

log = logging.getLogger(__name__)
POLL_SECONDS = 0.1
EVERYTHING = Applied(0, (), ("",))  # after a swap to a rebuilt generation: every page re-reads


class Broadcaster:
    def __init__(self, models: ReadModels, poll_seconds: float = POLL_SECONDS) -> None:
        self.models, self.poll_seconds = models, poll_seconds
        self.queues: set[asyncio.Queue[Applied]] = set()
        self.sent = 0
        self.position: tuple[int, int] | None = None  # (generation, last change seen)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.position = await asyncio.to_thread(self._current)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def _current(self) -> tuple[int, int]:
        store = self.models.store
        return self.models.generation, changes_since(store, None)[0]

    def poll(self) -> list[Applied]:
        """The batches committed (by any replica) since the last poll."""
        store = self.models.store  # follows the generation pointer
        generation = self.models.generation
        if self.position is None or self.position[0] != generation:
            self.position = (generation, changes_since(store, None)[0])
            return [EVERYTHING]
        seq, applied = changes_since(store, self.position[1])
        self.position = (generation, seq)
        return applied

    async def _run(self) -> None:
        while True:
            try:
                for applied in await asyncio.to_thread(self.poll) if self.queues else []:
                    self._fan_out(applied)
                if not self.queues:  # nobody listening: keep the position current, cheaply
                    self.position = await asyncio.to_thread(self._current)
            except Exception:  # a database hiccup must not end live updates for good
                log.exception("live updates: polling the change log failed")
            await asyncio.sleep(self.poll_seconds if self.queues else 1.0)

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
