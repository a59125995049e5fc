"""Dashboard figures from the pre-aggregated counters: the four parts of the regulation (proposals,
programme access, complementarity and overlap, gaps) plus compliance, queues and letters.

The staff page, the monev reports and the public dashboard all read through here, so they show the
same figures.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..adapters.store import ReadStore
from ..domain.periods import Period

Counts = dict[str, dict[str, int]]


def counts(store: ReadStore, region: str, period: Period, group_len: int | None = None) -> Any:
    """Sum of the counters under a region prefix and within a period (state rows count always).

    Down to sub-district level the roll-up table answers (a few rows per sub-district); only a
    village, or villages grouped, need the per-village table — and then only that region's range.
    """
    table = "counts_sub" if len(region) <= 6 and (group_len or 0) <= 6 else "counts"
    group = f"substr(region, 1, {int(group_len)})" if group_len else "''"
    sql = (f"SELECT {group}, metric, k, SUM(n) FROM {{p}}{table} WHERE region >= ? AND region < ?"  # noqa: S608
           " AND (period = '' OR (period >= ? AND period <= ?)) GROUP BY 1, 2, 3")
    with store.transaction(commit=False) as c:
        rows = c.execute(sql, (region, region + ":", period.first, period.last)).fetchall()  # ':' sorts after '9'
    if group_len is None:
        out: Counts = defaultdict(dict)
        for _, metric, k, n in rows:
            if n:
                out[metric][k] = int(n)
        return out
    grouped: dict[str, Counts] = defaultdict(lambda: defaultdict(dict))
    for g, metric, k, n in rows:
        if n and len(g) == group_len:
            grouped[g][metric][k] = int(n)
    return grouped


def _split(values: dict[str, int], parts: int) -> list[list[Any]]:
    """'agency|programme|status': n → rows [agency, programme, status, n], sorted."""
    return sorted([[*k.split("|", parts - 1), n] for k, n in values.items()])


AREA_LEVEL = {2: 4, 4: 6, 6: 10}  # province → districts, district → sub-districts, sub-district → villages


def by_area(store: ReadStore, region: str, period: Period) -> list[list[Any]]:
    """Work in progress by region: one row per area one level below the filter."""
    if len(region) not in AREA_LEVEL:
        return []
    areas = counts(store, region, period, group_len=AREA_LEVEL[len(region)])
    return [[code, a.get("complaints", {}).get("all", 0), sum(a.get("wip", {}).values()),
             a.get("closed", {}).get("all", 0), a.get("gap", {}).get("unanswered_past_deadline", 0)]
            for code, a in sorted(areas.items())]


def dashboard(store: ReadStore, region: str, period: Period) -> dict[str, Any]:
    c = counts(store, region, period)
    durations = []
    for key, done in sorted(c.get("step_done", {}).items()):
        step, unit = key.split("|", 1)
        seconds = c.get("step_seconds", {}).get(key, 0)
        durations.append([step, unit, done, round(seconds / done / 3600, 1)])
    return {
        "filters": {"region": region, "period": period.label, "from": period.first, "to": period.last},
        "complaints": {
            "total": c["complaints"].get("all", 0) if "complaints" in c else 0,
            "closed": c.get("closed", {}).get("all", 0),
            "by_status": c.get("status", {}), "by_type": c.get("type", {}), "by_field": c.get("field", {}),
            "by_channel": c.get("channel", {}), "by_source": c.get("source", {}),
            "by_outcome": c.get("outcome", {}), "by_satisfaction": c.get("satisfaction", {}),
        },
        # (1) proposals to update and add beneficiary data
        "proposals": {
            "dtks_checks": c.get("dtks", {}),
            "prelist_by_status": c.get("prelist_status", {}),
            "prelist": _split(c.get("prelist", {}), 2),
            "registry_versions": sorted(c.get("registry_version", {})),
            "registry_changes": c.get("registry_changes", {}),
        },
        # (2) access to central and regional programmes
        "access": {
            "households": c.get("households", {}).get("all", 0),
            "by_programme": c.get("programme_access", {}),
            "by_scope": c.get("access_scope", {}),
            "referred_into_programme": c.get("programme_referral_access", {}),
            "referrals": _split(c.get("referral", {}), 3),
            "referral_outcomes": _split(c.get("referral_outcome", {}), 3),
        },
        # (3) complementarity and overlap
        "complementarity": {
            "households_by_programme_count": c.get("programme_count", {}),
            "programme_pairs": c.get("programme_pair", {}),
            "pbi_double": c.get("overlap", {}).get("pbi_double", 0),
        },
        # (4) gaps
        "gaps": {
            "low_rank_no_programme": c.get("gap", {}).get("low_rank_no_programme", 0),
            "unanswered_past_deadline": c.get("gap", {}).get("unanswered_past_deadline", 0),
            "not_in_registry": c.get("dtks", {}).get("not_found", 0),
            "no_nik": c.get("dtks", {}).get("no_nik", 0),
        },
        "compliance": {
            "overdue": _split(c.get("overdue", {}), 3),
            "referral_overdue": _split(c.get("referral_overdue", {}), 2),
            "durations": durations,
        },
        "queues": {"wip_by_level": c.get("wip", {}), "open_by_status": c.get("queue", {}),
                   "by_area": by_area(store, region, period)},
        "letters": {
            "by_status": _split(c.get("letters", {}), 2),
            "issued": _split(c.get("letters_issued", {}), 2),
            "bpjs_batches": c.get("bpjs_batch", {}),
            "bpjs_decisions": _split(c.get("bpjs_decision", {}), 2),
            "bpjs_batch_letters": c.get("bpjs_batch_letters", {}),
        },
    }


def oldest_open(store: ReadStore, region: str, limit: int = 20) -> list[dict[str, Any]]:
    """The queue: open complaints, oldest first (receipt numbers and codes only)."""
    with store.transaction(commit=False) as c:
        rows = c.execute("SELECT receipt_number, region, status, level, registered_at FROM {p}open_complaints"
                         " WHERE region LIKE ? ORDER BY registered_at LIMIT ?", (f"{region}%", limit)).fetchall()
    return [dict(zip(("receipt_number", "region", "status", "level", "registered_at"), r, strict=True)) for r in rows]
