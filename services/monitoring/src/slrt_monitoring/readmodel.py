"""The monitoring read models of one district: the current generation's store and its projector.

Live consumers apply through :meth:`ReadModels.apply`; a rebuild fills a new generation and swaps it
in under the projector's lock (see :mod:`.rebuild`), so queries never see a half-built model.
"""

from __future__ import annotations

from slrt_runtime.consumers import Delivery
from slrt_runtime.settings import ServiceSettings

from .adapters.generations import Generations
from .adapters.store import ReadStore
from .projections.engine import Projector


class ReadModels:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.generations = Generations(settings)
        self.generation = self.generations.current()
        self.projector = Projector(self.generations.open(self.generation))

    @property
    def store(self) -> ReadStore:
        return self.projector.store

    def apply(self, delivery: Delivery, event_id: str | None = None) -> bool:
        """Apply one event exactly once (its id is always ``upstream:notification_id``)."""
        return self.projector.apply(delivery)

    def max_tracking_id(self, upstream: str) -> int | None:
        return self.store.max_tracking_id(upstream)

    def new_generation(self) -> tuple[int, ReadStore]:
        n = self.generation + 1
        stale = self.generations.open(n)
        stale.drop()  # a rebuild that stopped half-way left it behind
        return n, self.generations.open(n)

    def swap(self, n: int, store: ReadStore) -> None:
        """Make generation n current. The caller holds the projector's lock."""
        old = self.projector.store
        self.generations.set_current(n)
        self.projector.store, self.generation = store, n
        old.drop()

    def close(self) -> None:
        self.store.close()


def open_view(settings: ServiceSettings) -> ReadModels:
    return ReadModels(settings)
