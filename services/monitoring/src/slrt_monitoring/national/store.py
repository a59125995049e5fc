"""The latest snapshot per district and period (SQLite on the aggregator's volume), and the national
overview built from them incrementally.

Which snapshot is newer is decided by the parsed, time-zone-aware ``generated_at`` (to the
microsecond), then by the district's ``sequence`` (how far its history goes), never by text: a UTC
snapshot made after a ``+07:00`` one is newer even though its text sorts lower.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slrt_contracts.events.monitoring import AggregateCell, DistrictAggregatesPublished

log = logging.getLogger(__name__)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
SUPPRESSED = "<5"


def order_of(event: DistrictAggregatesPublished) -> tuple[int, int]:
    """(microseconds since the epoch, sequence); snapshots without a sequence come first at a tie."""
    if event.generated_at.utcoffset() is None:
        raise ValueError("generated_at has no UTC offset")
    return (event.generated_at - EPOCH) // dt.timedelta(microseconds=1), -1 if event.sequence is None else event.sequence


def figures_of(district: str, cells: list[AggregateCell] | list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The district's own figures ({metric: {key: count or '<5'}}); sub-district cells stay out of the sums."""
    mine: dict[str, dict[str, Any]] = {}
    for c in cells:
        d = c if isinstance(c, dict) else c.__dict__
        if d["region"] == district:
            mine.setdefault(d["metric"], {})[d["key"]] = SUPPRESSED if d["suppressed"] else d["count"]
    return mine


@dataclass
class PeriodOverview:
    """Every district's figures of one period and their national sums, kept up to date one district at a time."""

    period: str
    districts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Each district's entry, serialised when it is put: the overview's JSON is then a join, not a
    # 2 MB json.dumps holding the GIL (and this lock) while the consumer waits.
    fragments: dict[str, bytes] = field(default_factory=dict)
    # metric -> key -> [sum of counts, suppressed cells, cells contributing]
    sums: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    version: int = 0
    _json: bytes = b""
    _json_version: int = -1
    _json_at: float = 0.0

    def put(self, district: str, generated_at: str, figures: dict[str, dict[str, Any]]) -> None:
        old = self.districts.get(district)
        if old is not None:
            self._add(old["figures"], -1)
        self.districts[district] = entry = {"generated_at": generated_at, "figures": figures}
        self.fragments[district] = json.dumps(entry, separators=(",", ":")).encode()
        self._add(figures, +1)
        self.version += 1

    def _add(self, figures: dict[str, dict[str, Any]], sign: int) -> None:
        for metric, values in figures.items():
            sums = self.sums.setdefault(metric, {})
            for key, value in values.items():
                total = sums.setdefault(key, [0, 0, 0])
                if value == SUPPRESSED:
                    total[1] += sign
                else:
                    total[0] += sign * value
                total[2] += sign
                if total[2] == 0:
                    del sums[key]
            if not sums:
                del self.sums[metric]

    def as_dict(self) -> dict[str, Any]:
        national = {m: {k: {"count": t[0], "suppressed_cells": t[1]} for k, t in sorted(keys.items())}
                    for m, keys in sorted(self.sums.items())}
        return {"period": self.period, "districts": dict(sorted(self.districts.items())), "national": national}

    def as_json(self, max_staleness: float) -> bytes:
        """The overview as JSON; while snapshots arrive it is re-serialised at most every ``max_staleness`` s."""
        now = time.monotonic()
        if self._json_version != self.version and (not self._json or now - self._json_at >= max_staleness):
            national = {m: {k: {"count": t[0], "suppressed_cells": t[1]} for k, t in sorted(keys.items())}
                        for m, keys in sorted(self.sums.items())}
            districts = b",".join(b'"%s":%s' % (d.encode(), f) for d, f in sorted(self.fragments.items()))
            self._json = b'{"period":%s,"districts":{%s},"national":%s}' % (
                json.dumps(self.period).encode(), districts, json.dumps(national, separators=(",", ":")).encode())
            self._json_version, self._json_at = self.version, now
        return self._json


class Snapshots:
    """The latest snapshot per district and period; a newer one replaces an older one."""

    def __init__(self, path: Path, *, max_staleness: float = 1.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")  # a committed batch is on disk before its messages are acked
        # Bodies are stored deflated (18 KB of JSON -> ~2 KB): a batch of 200 is one small write and one
        # fsync, not 3.6 MB, which on a busy disk took up to a second per batch.
        # Two locks, always taken in this order: the connection's (held through a commit's fsync) and the
        # overviews' (held for microseconds), so that GET /overview never waits for a commit.
        self.lock = threading.Lock()
        self.views = threading.Lock()
        self.max_staleness = max_staleness
        self._overviews: dict[str, PeriodOverview] = {}
        legacy = self.conn.execute("SELECT 1 FROM sqlite_master WHERE name='snapshots'").fetchone()
        if legacy:  # first version: timestamps as text, no body; rebuilt from the hub (aggregator.restore)
            log.warning("national store: dropping the first version's table; the hub's bucket and stream refill it")
            self.conn.execute("DROP TABLE snapshots")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS latest (district TEXT NOT NULL, period TEXT NOT NULL,"
            " generated_us INTEGER NOT NULL, sequence INTEGER NOT NULL, generated_at TEXT NOT NULL,"
            " snapshot_id TEXT NOT NULL, body_deflated BLOB NOT NULL, mirrored INTEGER NOT NULL DEFAULT 0,"
            " PRIMARY KEY (district, period))")
        self.conn.execute("CREATE INDEX IF NOT EXISTS latest_unmirrored ON latest (mirrored) WHERE mirrored = 0")
        self._kept: dict[str, set[str]] = {}  # period -> districts, for status without a query
        for district, period in self.conn.execute("SELECT district, period FROM latest"):
            self._kept.setdefault(period, set()).add(district)

    def is_empty(self) -> bool:
        with self.views:
            return not self._kept

    def keep(self, event: DistrictAggregatesPublished, body: bytes | None = None) -> bool:
        """Keep one snapshot if it is newer than the one kept for its district and period."""
        return bool(self.keep_batch([(event, body if body is not None else event.model_dump_json().encode())]))

    def keep_batch(self, batch: list[tuple[DistrictAggregatesPublished, bytes]], *, mirrored: bool = False) -> int:
        """Keep the newer snapshots of a batch in one transaction (one fsync); return how many were kept.
        A kept snapshot is marked for the hub's bucket (:meth:`unmirrored`) unless it came from there."""
        kept: dict[tuple[str, str], DistrictAggregatesPublished] = {}
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for event, body in batch:
                    key = (event.district, event.period)
                    us, seq = order_of(event)
                    row = self.conn.execute("SELECT generated_us, sequence FROM latest WHERE district=? AND period=?",
                                            key).fetchone()
                    if row is not None and (us, seq) <= tuple(row):
                        continue
                    self.conn.execute(
                        "INSERT OR REPLACE INTO latest VALUES (?,?,?,?,?,?,?,?)",
                        (*key, us, seq, event.generated_at.isoformat(), str(event.snapshot_id),
                         zlib.compress(body, 1), int(mirrored)))
                    kept[key] = event
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            with self.views:
                for (district, period), event in kept.items():
                    self._kept.setdefault(period, set()).add(district)
                    overview = self._overviews.get(period)
                    if overview is not None:
                        overview.put(district, event.generated_at.isoformat(), figures_of(district, event.cells))
        return len(kept)

    def unmirrored(self, limit: int = 1000) -> list[tuple[str, str, int, int, bytes]]:
        """Kept snapshots the hub's bucket does not have yet: (district, period, generated_us, sequence, body)."""
        with self.lock:
            rows = self.conn.execute("SELECT district, period, generated_us, sequence, body_deflated FROM latest"
                                     " WHERE mirrored = 0 LIMIT ?", (limit,)).fetchall()
        return [(d, p, us, seq, zlib.decompress(b)) for d, p, us, seq, b in rows]

    def mark_mirrored(self, done: list[tuple[str, str, int, int]]) -> None:
        """Mark what the bucket now has, unless a newer snapshot was kept meanwhile."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany("UPDATE latest SET mirrored = 1 WHERE district=? AND period=? AND generated_us=?"
                                  " AND sequence=?", done)
            self.conn.execute("COMMIT")

    def status(self) -> dict[str, int]:
        """How many districts are kept per period."""
        with self.views:
            return {period: len(districts) for period, districts in sorted(self._kept.items())}

    def _overview(self, period: str) -> PeriodOverview:
        """The period's overview, built from the table the first time it is asked for."""
        with self.views:
            overview = self._overviews.get(period)
            if overview is not None or period not in self._kept:
                return overview or PeriodOverview(period)  # a period nobody published is not remembered
        with self.lock:
            rows = self.conn.execute("SELECT district, generated_at, body_deflated FROM latest WHERE period=?",
                                     (period,)).fetchall()
            overview = PeriodOverview(period)
            for district, generated_at, body in rows:
                overview.put(district, generated_at, figures_of(district, json.loads(zlib.decompress(body))["cells"]))
            with self.views:  # still under the connection's lock: no batch can slip in between
                return self._overviews.setdefault(period, overview)

    def overview(self, period: str) -> dict[str, Any]:
        overview = self._overview(period)
        with self.views:
            return overview.as_dict()

    def overview_json(self, period: str) -> bytes:
        overview = self._overview(period)
        with self.views:
            return overview.as_json(self.max_staleness)
