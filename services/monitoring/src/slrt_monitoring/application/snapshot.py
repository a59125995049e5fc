"""The district's anonymised aggregates for the national stream: counts per district and
sub-district, no ids, no villages, every count from 1 to 4 suppressed."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from slrt_contracts.events.monitoring import AggregateCell, DistrictAggregatesPublished

from ..adapters.store import ReadStore
from .dashboard import counts
from ..domain.periods import Period
from .public import SMALL

NATIONAL_METRICS = ("complaints", "closed", "status", "type", "field", "channel", "wip", "dtks", "prelist_status",
                    "households", "programme_access", "access_scope", "programme_count", "programme_pair",
                    "overlap", "gap", "referral", "referral_outcome", "letters_issued", "overdue", "step_done",
                    "step_seconds")
SUBDISTRICT_METRICS = ("complaints", "closed", "wip", "gap")
_KEY = re.compile(r"^[A-Za-z0-9_|+.-]{1,120}$")


def cell(metric: str, key: str, region: str, n: int) -> AggregateCell:
    if 0 < n < SMALL:
        return AggregateCell(metric=metric, key=key, region=region, suppressed=True)
    return AggregateCell(metric=metric, key=key, region=region, count=n)


def history_position(store: ReadStore) -> int:
    """How far the read models have come: the sum of each upstream's last applied position. It only grows
    (positions do), so it orders two snapshots of this district made at the same instant."""
    with store.transaction(commit=False) as c:
        row = c.execute("SELECT SUM(last) FROM (SELECT MAX(notification_id) AS last FROM {p}tracking"
                        " GROUP BY upstream) AS positions").fetchone()
    return int(row[0] or 0) if row else 0


def snapshot(store: ReadStore, district: str, period: Period, now: dt.datetime | None = None) -> DistrictAggregatesPublished:
    whole = counts(store, district, period)
    cells = [cell(m, k, district, n) for m in NATIONAL_METRICS for k, n in sorted(whole.get(m, {}).items())
             if _KEY.match(k)]
    for sub, c in sorted(counts(store, district, period, group_len=6).items()):
        cells += [cell(m, k, sub, n) for m in SUBDISTRICT_METRICS for k, n in sorted(c.get(m, {}).items())
                  if _KEY.match(k)]
    first, last = (period.first, period.last) if period.first != "0000-00" else ("2000-01", "2999-12")
    return DistrictAggregatesPublished(
        district=district, snapshot_id=uuid.uuid4(), period=period.label, period_from=first, period_to=last,
        generated_at=now or dt.datetime.now(dt.timezone.utc), sequence=history_position(store), cells=cells)
