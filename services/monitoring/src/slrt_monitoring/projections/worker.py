"""The projector in processes of its own, for rebuilds and catch-up.

Reading JetStream (parsing each message's headers), decoding and projecting events, and writing the
read model all need the interpreter; in one process they take turns. A rebuild spreads them over
three: the caller reads the streams and hands over raw bodies, a decoder process validates and
projects them into plain data (:class:`~.engine.Projected`), a writer process applies those in batches
— each batch one transaction with its tracking rows, as everywhere.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import pickle
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from slrt_contracts import EVENTS_BY_TYPE
from slrt_runtime.consumers import Delivery

from ..adapters.generations import guard
from ..adapters.store import open_spec
from .engine import Projected, Projector, projected

Raw = tuple[str, str, int, bytes]
"""(ce-type, upstream, notification id, body) of one stored message."""

_projector: Projector | None = None
T = TypeVar("T")


@contextmanager
def collecting_later() -> Iterator[None]:
    """Python's cycle collector paused for one batch. A batch makes and drops hundreds of thousands of
    small containers (decoded events, operations, entity states) — none in a reference cycle, so
    reference counting frees them all — and each 700 allocations the collector would walk the young
    ones, and often the writer's whole cache: measured, it took 30–40 % of the decoder's and the
    writer's time. It runs again between batches."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _in_batch(fn: Callable[..., T], *args: Any) -> T:
    with collecting_later():
        return fn(*args)


def _settled() -> None:
    """A worker process's start: what it imported and built stays, so the collector need not walk it."""
    gc.freeze()


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


def project_all(rows: list[Raw]) -> bytes:
    """Like :func:`decode_and_project` for the live consumers' catch-up, where nothing may be skipped:
    any message that does not decode or project fails the whole batch (the consumer then handles it
    one message at a time, dead-lettering the culprit with its reason). The error crossing back names
    no field values: they may hold personal data."""
    try:
        return pickle.dumps([tuple(projected(Delivery(upstream, notification_id,
                                                      EVENTS_BY_TYPE[ce_type].model_validate_json(body))))
                             for ce_type, upstream, notification_id, body in rows], protocol=5)
    except Exception as e:  # noqa: BLE001
        raise ValueError(f"a message of the batch did not project ({type(e).__name__})") from None


def load_projected(data: bytes) -> list[Projected]:
    return [Projected._make(t) for t in pickle.loads(data)]  # noqa: S301 - our own decoder process


def _open(spec: tuple[Any, ...]) -> None:
    global _projector  # noqa: PLW0603 - one projector per writer process
    _projector = Projector(open_spec(spec), derived=False)  # a rebuild's: see Projector.finish
    _settled()


def _finish() -> None:
    assert _projector is not None
    _projector.finish()


def _write(data: bytes) -> int:
    assert _projector is not None
    return _projector.apply_projected(load_projected(data))


class ProjectorProcess:
    """A decoder and a writer process; batches are written in the order they were handed over."""

    def __init__(self, spec: tuple[Any, ...]) -> None:
        # spawn, not fork: the parent runs threads (event loop, SQLite, NATS) a fork would copy mid-flight.
        context = multiprocessing.get_context("spawn")
        self.decoder = ProcessPoolExecutor(1, mp_context=context, initializer=_settled)
        self.writer = ProcessPoolExecutor(1, mp_context=context, initializer=_open, initargs=(spec,))
        self._writing: asyncio.Future[int] | None = None

    async def apply(self, rows: list[Raw]) -> None:
        """Decode and project this batch while the previous one is written, then queue its write."""
        batch = await asyncio.wrap_future(self.decoder.submit(_in_batch, decode_and_project, rows))
        if self._writing is not None:
            await self._writing
        self._writing = asyncio.wrap_future(self.writer.submit(_in_batch, _write, batch))

    async def drain(self) -> None:
        if self._writing is not None:
            await self._writing
            self._writing = None

    async def finish(self) -> None:
        """Wait for the writes, then derive the counters and the queue (see :meth:`Projector.finish`)."""
        await self.drain()
        await asyncio.wrap_future(self.writer.submit(_in_batch, _finish))

    def close(self) -> None:
        self.decoder.shutdown(wait=True)
        self.writer.shutdown(wait=True)


class CatchUp:
    """A decoder and a writer process the live consumers share while they catch up on a backlog (see
    entrypoints/messaging.py), started on first use: reading the streams and acknowledging (the
    service's own process), decoding and projecting, and writing the read model then run side by side.

    The writer process writes into the store the caller names with each batch (the current
    generation's) while the caller holds the live projector's lock, so it never interleaves with the
    service's own writes or a rebuild's swap; on PostgreSQL it takes the replicas' writer lock and
    checks the generation inside its transaction, as live writes do (:func:`..adapters.generations.guard`).
    """

    def __init__(self) -> None:
        self._pools: dict[str, ProcessPoolExecutor] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        """The processes, starting them (in the background: they import the contracts) if need be."""
        for name in ("decoder", "writer"):
            self._pool(name)

    def _pool(self, name: str) -> ProcessPoolExecutor:
        with self._lock:
            if (pool := self._pools.get(name)) is None:
                context = multiprocessing.get_context("spawn")
                pool = self._pools[name] = ProcessPoolExecutor(1, mp_context=context, initializer=_settled)
                pool.submit(int)  # spawned now, while the caller goes on with the ordinary path
            return pool

    def _run(self, name: str, fn: Callable[..., T], *args: Any) -> T:
        """Run in that process and wait (blocking); a process that died is replaced for the next batch."""
        pool = self._pool(name)
        try:
            return pool.submit(_in_batch, fn, *args).result()
        except BrokenExecutor:
            with self._lock:  # killed, out of memory: the error goes to the caller, the next batch starts another
                if self._pools.get(name) is pool:
                    del self._pools[name]
            pool.shutdown(wait=False)
            raise

    async def project(self, rows: list[Raw]) -> bytes:
        return await asyncio.to_thread(self._run, "decoder", project_all, rows)

    def write(self, spec: tuple[Any, ...], generation: tuple[str, int] | None, data: bytes) -> int:
        """Apply a projected batch exactly once in the writer process (blocking; see the class's doc)."""
        return self._run("writer", _write_live, spec, generation, data)

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)  # reaped: its CPU time is accounted to us


_live: tuple[tuple[Any, ...], Projector] | None = None
"""The catch-up writer process's projector: on the store it last wrote to, with its cache."""


def _write_live(spec: tuple[Any, ...], generation: tuple[str, int] | None, data: bytes) -> int:
    global _live  # noqa: PLW0603 - one live projector per writer process
    if _live is None or _live[0] != spec:
        if _live is not None:
            _live[1].store.close()  # a rebuild swapped generations since
        _live = spec, Projector(open_spec(spec))
    projector = _live[1]
    projector.guard = guard(*generation) if generation is not None else None
    return projector.apply_projected(load_projected(data))
