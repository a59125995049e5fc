"""Public views: tracking by receipt number and aggregates with small-cell suppression.

Counts from 1 to 4 are shown as "<5" so that nobody in a small village can be recognised from a
figure (k-anonymity with k = 5, as OpenSPP's analytics do). Zero stays zero: it reveals nobody.
"""

from __future__ import annotations

from typing import Any

from ..adapters.store import ReadStore
from ..domain.areas import area_label, area_name
from ..projections.timeline import STATUS_LABELS
from .dashboard import counts
from ..domain.periods import Period

SMALL = 5
LEVELS = {4: 6, 6: 10}  # a district breaks down into sub-districts, a sub-district into villages
PUBLIC_METRICS = {"status": "Status", "field": "Bidang", "type": "Jenis pengaduan"}


def suppress(n: int) -> int | str:
    return f"<{SMALL}" if 0 < n < SMALL else n


def track(store: ReadStore, receipt_number: str) -> dict[str, Any] | None:
    with store.transaction(commit=False) as c:
        row = c.execute("SELECT complaint_id FROM {p}receipts WHERE receipt_number=?", (receipt_number,)).fetchone()
        if row is None:
            return None
        rows = c.execute("SELECT at, event_id, event_type, label FROM {p}timeline WHERE complaint_id=?",
                         (row[0],)).fetchall()
        steps = [(at, name, text) for at, _, name, text in sorted(rows)]
        state = c.execute("SELECT state FROM {p}entities WHERE kind='complaint' AND id=?", (row[0],)).fetchone()
    import json

    s = json.loads(state[0]) if state else {}
    status = s.get("status", [None, None, "registered"])[2]
    registered = (s.get("reg") or {}).get("registered_at")
    return {
        "receipt_number": receipt_number, "status": status, "status_label": STATUS_LABELS.get(status, status),
        "registered_at": registered, "updated_at": steps[-1][0] if steps else None,
        "timeline": [{"at": at, "event": name, "label": text} for at, name, text in steps],
    }


def public_dashboard(store: ReadStore, region: str, period: Period) -> dict[str, Any]:
    """Aggregates of a region and of each region one level below, all small cells suppressed."""
    def cells(c: dict[str, dict[str, int]]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "complaints": suppress(c.get("complaints", {}).get("all", 0)),
            "closed": suppress(c.get("closed", {}).get("all", 0)),
            "in_progress": suppress(sum(c.get("wip", {}).values())),
        }
        for metric in PUBLIC_METRICS:
            out[metric] = {k: suppress(n) for k, n in sorted(c.get(metric, {}).items())}
        return out

    whole = counts(store, region, period)
    children = counts(store, region, period, group_len=LEVELS.get(len(region), len(region)))
    return {
        "region": region, "region_name": area_label(region), "period": period.label, "suppressed_below": SMALL,
        "status_labels": STATUS_LABELS,
        "total": cells(whole),
        "areas": {code: {"name": area_name(code), **cells(c)} for code, c in sorted(children.items())}
        if len(region) in LEVELS else {},
    }
