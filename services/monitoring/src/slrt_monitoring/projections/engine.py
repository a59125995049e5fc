"""The projector: applies batches of events to a read store, each batch in one transaction with its
tracking rows (exactly once), one event or ten thousand alike — live and rebuild share this code."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import orjson
from slrt_runtime.consumers import Delivery

from ..adapters.store import Cursor, ReadStore
from .timeline import CLOSED
from .contributions import CONTRIBUTIONS, Contribution
from .fields import region_of
from .handlers import project
from .state import Op, State, apply_ops, value

CHUNK = 500  # ids per IN (...) list
CACHE_ENTITIES = 50_000
"""Entities whose state a projector keeps between batches (a few hundred bytes each with their counter
contributions): the complaints of the last hours, which the next events of the other streams touch."""


class Projected(NamedTuple):
    """One event as the projector needs it: plain data, so it can be projected in another process."""

    upstream: str
    notification_id: int
    name: str
    region: str
    updates: list[tuple[str, str, list[Op]]]
    timeline: list[tuple[str, str, str, str, str]]
    receipts: list[tuple[str, str]]


def projected(d: Delivery) -> Projected:
    fx = project(d.event, f"{d.upstream}:{d.notification_id}")
    return Projected(d.upstream, d.notification_id, d.event.event_name, region_of(d.event), fx.updates,
                     fx.timeline, fx.receipts)


@dataclass(frozen=True)
class Applied:
    """What a batch changed, as the ``changes`` table keeps it for the dashboards' server-sent events."""

    events: int
    names: tuple[str, ...]
    regions: tuple[str, ...]


class Projector:
    def __init__(self, store: ReadStore, *, cache: int = CACHE_ENTITIES, derived: bool = True) -> None:
        self.lock = threading.Lock()  # one writer: entity read-modify-write must not interleave
        self.cache_size = cache
        # False for a rebuild's bulk writer: entities, timeline and tracking batch by batch, and the
        # counters and queue once at the end (:meth:`finish`): one contribution per entity, not two per change.
        self.derived = derived
        self.store = store
        # Live writes on PostgreSQL: the replicas' shared writer lock and generation check (see Generations.guard).
        self.guard: Callable[[Cursor], None] | None = None

    @property
    def store(self) -> ReadStore:
        return self._store

    @store.setter
    def store(self, store: ReadStore) -> None:
        self._store = store
        # The states of recently written entities, with what they add to the counters: a batch reads and
        # decodes from the database only those not here. Valid while the last row of the change log is
        # this projector's own last commit (``_seq``): a write by anyone else (another replica, another
        # projector on the same file) moves it, and the cache is dropped.
        self._cache: OrderedDict[tuple[str, str], tuple[State, list[Contribution]]] = OrderedDict()
        self._seq: int | None = None

    def apply(self, delivery: Delivery) -> bool:
        """Apply one event; False when this upstream notification was already applied."""
        return self.apply_batch([delivery]) == 1

    def apply_batch(self, deliveries: Sequence[Delivery]) -> int:
        """Apply the deliveries not yet applied; return how many were new."""
        return self.apply_projected([projected(d) for d in deliveries])

    def apply_projected(self, batch: Sequence[Projected]) -> int:
        """Apply already projected events (see :func:`projected`) not yet applied."""
        with self.lock:
            with self.store.transaction(commit=True) as c:
                if self.guard is not None:
                    self.guard(c)
                fresh = _untracked(c, batch)
                if fresh:
                    last = _last_change(c)
                    if last != self._seq:
                        self._cache.clear()
                    written = self._apply(c, fresh)
                    seq = _record_change(c, last, Applied(len(fresh), tuple(p.name for p in fresh),
                                                          tuple(sorted({p.region for p in fresh}))))
            if fresh:  # committed: only now may the cache hold what this batch wrote
                self._remember(written)
                self._seq = seq
        return len(fresh)

    def _apply(self, c: Cursor, batch: list[Projected]) -> dict[tuple[str, str], tuple[State, list[Contribution]]]:
        keys = {(kind, eid) for p in batch for kind, eid, _ in p.updates}
        states: dict[tuple[str, str], State] = {}
        before: dict[tuple[str, str], list[Contribution]] = {}
        missing = []
        for key in keys:
            if (hit := self._cache.get(key)) is not None:
                # A shallow copy: the merge rules replace slot values rather than change them in place,
                # so a batch that rolls back leaves the cached state as it was.
                states[key], before[key] = dict(hit[0]), hit[1]
            else:
                missing.append(key)
        derived = self.derived
        for key, state in _load(c, missing).items():
            states[key], before[key] = state, CONTRIBUTIONS[key[0]](state) if derived else []
        for p in batch:
            for kind, eid, ops in p.updates:
                apply_ops(states.setdefault((kind, eid), {}), ops)
        c.executemany("INSERT INTO {p}entities VALUES (?,?,?) ON CONFLICT (kind, id) DO UPDATE SET state=excluded.state",
                      [(k[0], k[1], dump_state(s)) for k, s in states.items()])
        _timeline(c, batch)
        c.executemany("INSERT INTO {p}tracking VALUES (?,?)", [(p.upstream, p.notification_id) for p in batch])
        if not derived:
            return {key: (state, []) for key, state in states.items()}
        written = {key: (state, CONTRIBUTIONS[key[0]](state)) for key, state in states.items()}
        delta: dict[tuple[str, str, str, str], int] = {}
        for key, (_, after) in written.items():
            _count(delta, before.get(key, ()), after)
        _write_derived(c, delta, [(k[1], s) for k, s in states.items() if k[0] == "complaint"])
        return written

    def finish(self) -> None:
        """A bulk writer's last step: the counters and the open-complaints queue, from the entities'
        states (what live writes keep up to date batch by batch: the same rows either way)."""
        with self.lock, self.store.transaction(commit=True) as c:
            for table in ("counts", "counts_sub", "open_complaints"):
                c.execute(f"DELETE FROM {{p}}{table}")
            delta: dict[tuple[str, str, str, str], int] = {}
            after: tuple[str, str] = ("", "")
            while rows := c.execute("SELECT kind, id, state FROM {p}entities WHERE kind > ? OR (kind = ? AND id > ?)"
                                    " ORDER BY kind, id LIMIT 10000", (after[0], *after)).fetchall():
                complaints = []
                for kind, eid, text in rows:
                    state = orjson.loads(text)
                    _add(delta, CONTRIBUTIONS[kind](state))
                    if kind == "complaint":
                        complaints.append((eid, state))
                _queue(c, complaints)
                after = rows[-1][0], rows[-1][1]
            _write_derived(c, delta, [])
        self._cache.clear()
        self.derived = True

    def _remember(self, written: dict[tuple[str, str], tuple[State, list[Contribution]]]) -> None:
        cache = self._cache
        for key, entry in written.items():
            cache[key] = entry
            cache.move_to_end(key)  # the order is the order of last writes
        # An OrderedDict: a plain dict's first item, once many before it were deleted, is found by
        # skipping their empty slots — that eviction loop took a fifth of a catch-up writer's time.
        while len(cache) > self.cache_size:
            cache.popitem(last=False)


KEEP_CHANGES = 10_000


def _last_change(c: Cursor) -> int:
    row = c.execute("SELECT MAX(seq) FROM {p}changes").fetchone()
    return row[0] if row and row[0] is not None else 0


def _record_change(c: Cursor, last: int, applied: Applied) -> int:
    """One row per committed batch: every replica's live updates poll this (see entrypoints/live.py), so a
    page sees the changes whichever pod's consumer applied them. Writers are serialised (SQLite's write
    lock, the replicas' advisory lock on PostgreSQL), so MAX+1 (``last`` + 1) is the commit order."""
    seq = last + 1
    c.execute("INSERT INTO {p}changes VALUES (?,?,?,?)",
              (seq, applied.events, ",".join(sorted(set(applied.names))), ",".join(applied.regions)))
    if seq % 1000 == 0:
        c.execute("DELETE FROM {p}changes WHERE seq <= ?", (seq - KEEP_CHANGES,))
    return seq


def changes_since(store: ReadStore, seq: int | None) -> tuple[int, list[Applied]]:
    """The batches committed after ``seq`` (None: none, just the current position) and the new position."""
    with store.transaction(commit=False) as c:
        if seq is None:
            row = c.execute("SELECT MAX(seq) FROM {p}changes").fetchone()
            return (row[0] or 0) if row else 0, []
        rows = c.execute("SELECT seq, events, names, regions FROM {p}changes WHERE seq > ? ORDER BY seq LIMIT 1000",
                         (seq,)).fetchall()
    if not rows:
        return seq, []
    return rows[-1][0], [Applied(int(n), tuple(names.split(",")) if names else (),
                                 tuple(regions.split(",")) if regions else ("",)) for _, n, names, regions in rows]


def _untracked(c: Cursor, deliveries: Sequence[Projected]) -> list[Projected]:
    seen: set[tuple[str, int]] = set()
    by_upstream: dict[str, list[int]] = {}
    for d in deliveries:
        by_upstream.setdefault(d.upstream, []).append(d.notification_id)
    for upstream, ids in by_upstream.items():
        for chunk in _chunks(sorted(set(ids))):
            marks = ",".join("?" * len(chunk))
            c.execute(f"SELECT notification_id FROM {{p}}tracking WHERE upstream=? AND notification_id IN ({marks})",
                      (upstream, *chunk))
            seen.update((upstream, row[0]) for row in c.fetchall())
    fresh = []
    for d in deliveries:
        key = (d.upstream, d.notification_id)
        if key not in seen:  # also drops a duplicate inside the batch
            seen.add(key)
            fresh.append(d)
    return fresh


def _load(c: Cursor, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], State]:
    states: dict[tuple[str, str], State] = {}
    by_kind: dict[str, list[str]] = {}
    for kind, eid in keys:
        by_kind.setdefault(kind, []).append(eid)
    for kind, ids in by_kind.items():
        for chunk in _chunks(sorted(ids)):
            marks = ",".join("?" * len(chunk))
            c.execute(f"SELECT id, state FROM {{p}}entities WHERE kind=? AND id IN ({marks})", (kind, *chunk))
            states.update(((kind, row[0]), orjson.loads(row[1])) for row in c.fetchall())
    return states


def dump_state(state: State) -> str:
    """An entity's state as stored: JSON with sorted keys, so equal states are equal text (a rebuild and
    live processing compare equal). orjson: this runs for every entity of every batch."""
    return orjson.dumps(state, option=orjson.OPT_SORT_KEYS).decode()


def _add(delta: dict[tuple[str, str, str, str], int], contributions: Sequence[Contribution]) -> None:
    """Add an entity's contributions to ``delta`` (a bulk writer's :meth:`Projector.finish`: nothing before)."""
    for c in contributions:
        key = c[:4]
        delta[key] = delta.get(key, 0) + c[4]


def _count(delta: dict[tuple[str, str, str, str], int], old: Sequence[Contribution],
           new: Sequence[Contribution]) -> None:
    """Add to ``delta`` what an entity's change does to the counters (most contributions stay as
    they were: only the difference is counted, with set operations rather than one add per item)."""
    if old == new:
        return
    after, before = set(new), set(old)
    if len(after) == len(new) and len(before) == len(old):
        changes = [(c, 1) for c in after - before] + [(c, -1) for c in before - after]
    else:  # the same contribution twice in one entity: count as a multiset
        counted = Counter(new)
        counted.subtract(Counter(old))
        changes = [(c, m) for c, m in counted.items() if m]
    for c, m in changes:
        key = c[:4]
        delta[key] = delta.get(key, 0) + m * c[4]


def _write_derived(c: Cursor, delta: dict[tuple[str, str, str, str], int],
                   complaints: list[tuple[str, State]]) -> None:
    """The counters (per village and rolled up to sub-districts) and the open-complaints queue."""
    _write_counts(c, "counts", delta)
    rolled: dict[tuple[str, str, str, str], int] = {}
    for (metric, k, region, period), n in delta.items():
        key = (metric, k, region[:6], period)
        rolled[key] = rolled.get(key, 0) + n
    _write_counts(c, "counts_sub", rolled)
    _queue(c, complaints)


def _write_counts(c: Cursor, table: str, delta: dict[tuple[str, str, str, str], int]) -> None:
    rows = [(region, period, metric, k, n) for (metric, k, region, period), n in sorted(delta.items()) if n]
    c.executemany(f"INSERT INTO {{p}}{table} VALUES (?,?,?,?,?) ON CONFLICT (region, period, metric, k)"
                  f" DO UPDATE SET n = {{p}}{table}.n + excluded.n", rows)
    # A counter back at zero is removed, so the tables do not depend on the order events came in.
    c.executemany(f"DELETE FROM {{p}}{table} WHERE region=? AND period=? AND metric=? AND k=? AND n=0",
                  [r[:4] for r in rows if r[4] < 0])


def _timeline(c: Cursor, batch: Iterable[Projected]) -> None:
    c.executemany("INSERT INTO {p}timeline VALUES (?,?,?,?,?) ON CONFLICT (complaint_id, event_id) DO NOTHING",
                  [row for p in batch for row in p.timeline])
    c.executemany("INSERT INTO {p}receipts VALUES (?,?) ON CONFLICT (receipt_number) DO NOTHING",
                  sorted({tuple(row) for p in batch for row in p.receipts}))


def _queue(c: Cursor, complaints: list[tuple[str, State]]) -> None:
    """The open complaints, oldest first, for the staff queue view."""
    open_rows, closed = [], []
    for complaint_id, s in complaints:
        reg, status = s.get("reg"), value(s, "status", "registered")
        if reg is None or status in CLOSED:
            closed.append((complaint_id,))
        else:
            open_rows.append((complaint_id, reg["receipt"], reg["region"], status, value(s, "level", "kabupaten"),
                              reg["registered_at"]))
    c.executemany("DELETE FROM {p}open_complaints WHERE complaint_id=?", closed)
    c.executemany("INSERT INTO {p}open_complaints VALUES (?,?,?,?,?,?) ON CONFLICT (complaint_id) DO UPDATE SET"
                  " receipt_number=excluded.receipt_number, region=excluded.region, status=excluded.status,"
                  " level=excluded.level, registered_at=excluded.registered_at", open_rows)


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
