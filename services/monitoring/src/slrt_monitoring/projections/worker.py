"""The projector in processes of its own, for rebuilds and catch-up.

Reading JetStream (parsing each message's headers), decoding and projecting events, and writing the
read model all need the interpreter; in one process they take turns. A rebuild spreads them over
three: the caller reads the streams and hands over raw bodies, a decoder process validates and
projects them into plain data (:class:`~.engine.Projected`), a writer process applies those in batches
— each batch one transaction with its tracking rows, as everywhere.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from slrt_contracts import EVENTS_BY_TYPE
from slrt_runtime.consumers import Delivery

from ..adapters.store import open_spec
from .engine import Projected, Projector, projected

Raw = tuple[str, str, int, bytes]
"""(ce-type, upstream, notification id, body) of one stored message."""

_projector: Projector | None = None


def decode_raw(rows: list[Raw]) -> list[Delivery]:
    out = []
    for ce_type, upstream, notification_id, body in rows:
        try:
            out.append(Delivery(upstream, notification_id, EVENTS_BY_TYPE[ce_type].model_validate_json(body)))
        except ValueError:
            continue  # invalid: it was dead-lettered when it was live and took no effect then either
    return out


def decode_and_project(rows: list[Raw]) -> bytes:
    """Decode and project; the result crosses to the writer as plain tuples, lists, dicts and strings
    (pickled by us: the writer is the busiest process, and loading plain data is the cheapest for it)."""
    return pickle.dumps([tuple(p) for p in map(projected, decode_raw(rows))], protocol=5)


def load_projected(data: bytes) -> list[Projected]:
    return [Projected._make(t) for t in pickle.loads(data)]  # noqa: S301 - our own decoder process


def _open(spec: tuple[Any, ...]) -> None:
    global _projector  # noqa: PLW0603 - one projector per writer process
    _projector = Projector(open_spec(spec))


def _write(data: bytes) -> int:
    assert _projector is not None
    return _projector.apply_projected(load_projected(data))


class ProjectorProcess:
    """A decoder and a writer process; batches are written in the order they were handed over."""

    def __init__(self, spec: tuple[Any, ...]) -> None:
        # spawn, not fork: the parent runs threads (event loop, SQLite, NATS) a fork would copy mid-flight.
        context = multiprocessing.get_context("spawn")
        self.decoder = ProcessPoolExecutor(1, mp_context=context)
        self.writer = ProcessPoolExecutor(1, mp_context=context, initializer=_open, initargs=(spec,))
        self._writing: asyncio.Future[int] | None = None

    async def apply(self, rows: list[Raw]) -> None:
        """Decode and project this batch while the previous one is written, then queue its write."""
        batch = await asyncio.wrap_future(self.decoder.submit(decode_and_project, rows))
        if self._writing is not None:
            await self._writing
        self._writing = asyncio.wrap_future(self.writer.submit(_write, batch))

    async def drain(self) -> None:
        if self._writing is not None:
            await self._writing
            self._writing = None

    def close(self) -> None:
        self.decoder.shutdown(wait=True)
        self.writer.shutdown(wait=True)
