"""The monitoring read models of one district: the current generation's store and its projector.

Live consumers apply through :meth:`ReadModels.apply`; a rebuild fills a new generation and swaps it
in under the projector's lock (see :mod:`.rebuild`), so queries never see a half-built model.

Several replicas share one PostgreSQL database: each follows the generation pointer (checked at most
every ``FOLLOW_SECONDS`` before a query, and inside every live write), so a rebuild run by one pod is
picked up by all of them, and the generation it replaced stays until the next rebuild.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from slrt_runtime.consumers import Delivery
from slrt_runtime.settings import ServiceSettings

from ..adapters.generations import GenerationMoved, Generations
from ..adapters.store import ReadStore
from ..projections.engine import Projected, Projector, projected
from ..projections.worker import CatchUp

FOLLOW_SECONDS = 1.0


class ReadModels:
    def __init__(self, settings: ServiceSettings, *, follow_seconds: float = FOLLOW_SECONDS) -> None:
        self.settings = settings
        self.follow_seconds = follow_seconds
        self.generations = Generations(settings)
        self.generation = self.generations.current()
        self.projector = Projector(self.generations.open(self.generation))
        self.projector.guard = self.generations.guard(self.generation)
        self._checked = time.monotonic()
        self._follow_lock = threading.Lock()
        self._retired: list[ReadStore] = []
        self._batch = threading.local()  # the batch a consumer thread is collecting (see batch())
        self.catch_up = CatchUp()  # the live consumers' help with a backlog (entrypoints/messaging.py)

    @property
    def store(self) -> ReadStore:
        if time.monotonic() - self._checked >= self.follow_seconds:
            self.follow()
        return self.projector.store

    def follow(self, *, wait: bool = False) -> int:
        """Switch to the generation the pointer names, if another replica's rebuild moved it."""
        if not self._follow_lock.acquire(blocking=wait):
            return self.generation  # another thread is looking already; queries go on meanwhile
        try:
            self._checked = time.monotonic()
            if self.generations.read_pointer(self.projector.store) != self.generation:
                with self.projector.lock:
                    # Read again under the lock: this pod's own rebuild may have just swapped.
                    n = self.generations.read_pointer(self.projector.store)
                    if n != self.generation:
                        self._switch(n, self.generations.open(n))
        finally:
            self._follow_lock.release()
        return self.generation

    def _switch(self, n: int, store: ReadStore) -> None:
        """The caller holds the projector's lock. The old store is closed one switch later: a query
        that started on it a moment ago may still be running."""
        for old in self._retired:
            old.close()
        self._retired = [self.projector.store]
        self.projector.store, self.generation = store, n
        self.projector.guard = self.generations.guard(n)

    def apply(self, delivery: Delivery, event_id: str | None = None) -> bool:
        """Apply one event exactly once (its id is always ``upstream:notification_id``).

        Inside :meth:`batch` the event is projected now (a projection error is this event's) and
        written when the batch ends; True then means "collected"."""
        p = projected(delivery)
        collecting: list[Projected] | None = getattr(self._batch, "events", None)
        if collecting is not None:
            collecting.append(p)
            return True
        return self._write([p]) == 1

    @contextmanager
    def batch(self) -> Iterator[None]:
        """The consumers' batch scope: the events applied inside it are written in ONE transaction with
        their tracking rows when it is left normally; left by an exception, nothing is written."""
        if getattr(self._batch, "events", None) is not None:
            raise RuntimeError("read-model batches do not nest")
        collected: list[Projected] = []
        self._batch.events = collected
        try:
            yield
        finally:
            self._batch.events = None
        if collected:
            self._write(collected)

    def write(self, batch: Sequence[Projected]) -> int:
        """Apply already projected events exactly once, in one transaction; how many were new."""
        return self._write(batch)

    def _write(self, batch: Sequence[Projected]) -> int:
        for _ in range(3):
            try:
                return self.projector.apply_projected(batch)
            except GenerationMoved:
                self.follow(wait=True)  # another replica swapped in a rebuilt generation: write there instead
        raise RuntimeError("the read-model generation keeps moving")

    def write_projected(self, data: bytes) -> int:
        """Like :meth:`write` for a batch the catch-up decoder projected (pickled), written by the catch-up
        writer process while this process's projector waits (blocking)."""
        for _ in range(3):
            with self.projector.lock:
                generation = (self.generations.base, self.generation) if self.generations.postgres else None
                try:
                    return self.catch_up.write(self.projector.store.spec(), generation, data)
                except GenerationMoved:
                    pass
            self.follow(wait=True)  # another replica swapped in a rebuilt generation: write there instead
        raise RuntimeError("the read-model generation keeps moving")

    def max_tracking_id(self, upstream: str) -> int | None:
        return self.store.max_tracking_id(upstream)

    def new_generation(self) -> tuple[int, ReadStore]:
        n = max(self.generation, self.generations.read_pointer(self.projector.store)) + 1
        stale = self.generations.open(n)
        stale.drop()  # a rebuild that stopped half-way left it behind
        return n, self.generations.open(n)

    def swap(self, n: int, store: ReadStore) -> None:
        """Make generation n current. The caller holds the projector's lock (and, for replicas,
        :meth:`Generations.exclusive`). Generations before the one replaced are dropped now; the one
        replaced stays for replicas that have not looked at the pointer yet."""
        self.generations.set_current(n)
        self._switch(n, store)
        self.generations.drop_before(n - 1)

    def close(self) -> None:
        self.catch_up.close()
        for old in self._retired:
            old.close()
        self.projector.store.close()


def open_view(settings: ServiceSettings) -> ReadModels:
    return ReadModels(settings)
