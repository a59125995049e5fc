"""What each entity adds to the pre-aggregated counters, as a pure function of its state.

The projector applies the difference between an entity's contributions before and after a change,
so the counters always equal the sum over entities, whatever order events came in.
A contribution is (metric, key, region, period, n); period is a month (``YYYY-MM``) or ``""`` for
current state (households).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

from .timeline import CLOSED
from .fields import month, seconds_between
from .state import State, value

Contribution = tuple[str, str, str, str, int]

CENTRAL_PROGRAMMES = frozenset({"PKH", "BPNT", "PBI-JK", "KIP"})
LOW_WELFARE_DECILE = 4  # bottom 40 %: the households programmes are meant for


def complaint(s: State) -> list[Contribution]:
    reg = s.get("reg")
    if reg is None:
        return []  # not registered yet (events of other streams came first): no region to count it in
    region, period = reg["region"], month(reg["registered_at"])
    status, level = value(s, "status", "registered"), value(s, "level", "kabupaten")
    out = [("complaints", "all", region, period, 1), ("status", status, region, period, 1),
           ("type", reg["type"], region, period, 1), ("field", reg["field"], region, period, 1),
           ("channel", reg["channel"], region, period, 1), ("source", reg["source"], region, period, 1)]
    if reg["programme"] != "-":
        out.append(("complaint_programme", reg["programme"], region, period, 1))
    if dtks := value(s, "dtks"):
        out.append(("dtks", dtks, region, period, 1))
    for step in s.get("overdue", ()):
        out.append(("complaint_overdue", step, region, period, 1))
    if outcome := s.get("outcome"):
        out += [("outcome", outcome[0] or "-", region, period, 1), ("satisfaction", outcome[1] or "-", region, period, 1)]
    if status in CLOSED:
        out.append(("closed", "all", region, period, 1))
    else:
        out += [("wip", level, region, period, 1), ("queue", status, region, period, 1)]
        if s.get("overdue"):
            out.append(("gap", "unanswered_past_deadline", region, period, 1))
    # Step times per office that took the complaint in (front office or Puskesos).
    out += _duration("dtks_check", reg["channel"], reg["registered_at"], s.get("dtks_at"), region, period)
    out += _duration("resolution", reg["channel"], reg["registered_at"], s.get("resolved_at"), region, period)
    return out


def household(s: State) -> list[Contribution]:
    hh = value(s, "hh")
    if hh is None:
        return []
    region, programmes = hh["region"], hh["programmes"]
    out = [("households", "all", region, "", 1), ("programme_count", str(min(len(programmes), 4)), region, "", 1)]
    out += [("programme_access", p, region, "", 1) for p in programmes]
    scopes = {"central" if p in CENTRAL_PROGRAMMES else "regional" for p in programmes}
    out += [("access_scope", scope, region, "", 1) for scope in scopes]
    out += [("programme_pair", f"{a}+{b}", region, "", 1) for a, b in combinations(programmes, 2)]  # sorted
    if "PBI-JK" in programmes and "PBI-Daerah" in programmes:
        out.append(("overlap", "pbi_double", region, "", 1))  # paid twice: the SOPs forbid it
    if not programmes and hh["decile"] is not None and hh["decile"] <= LOW_WELFARE_DECILE:
        out.append(("gap", "low_rank_no_programme", region, "", 1))
    return out


def prelist(s: State) -> list[Contribution]:
    if "status" not in s:
        return []
    region, period, status = s.get("region", ""), month(s.get("at")), value(s, "status")
    return [("prelist", f"{s.get('kind', 'add')}|{status}", region, period, 1),
            ("prelist_status", status, region, period, 1)]


def referral(s: State) -> list[Contribution]:
    agency = value(s, "agency")
    if agency is None:
        return []
    region, period = s.get("region", ""), month(s.get("first_at"))
    status, programme = value(s, "status", "proposed"), s.get("programme", "-")
    out = [("referral", f"{agency}|{programme}|{status}", region, period, 1)]
    if outcome := value(s, "outcome"):
        out.append(("referral_outcome", f"{agency}|{programme}|{outcome}", region, period, 1))
    if status in ("accepted", "outcome_reported") and programme != "-":
        out.append(("programme_referral_access", programme, region, period, 1))
    for step in s.get("overdue", ()):
        out.append(("referral_overdue", f"{agency}|{step}", region, period, 1))
    out += _duration("agency_answer", agency, s.get("sent_at"), s.get("answered_at"), region, period)
    return out


def letter(s: State) -> list[Contribution]:
    if "type" not in s:
        return []
    region, status = s.get("region", ""), value(s, "status", "requested")
    period = month(s.get("issued_at") or s.get("first_at"))
    out = [("letters", f"{s['type']}|{status}", region, period, 1)]
    if status in ("signed", "issued"):
        out.append(("letters_issued", f"{s['type']}|{s['office']}", region, period, 1))
    if bpjs := value(s, "bpjs"):
        out.append(("bpjs_decision", f"{s['type']}|{bpjs}", region, period, 1))
    out += _duration("letter_signing", s["office"], s.get("requested_at"), s.get("issued_at"), region, period)
    return out


def overdue(s: State) -> list[Contribution]:
    producer, step, unit = s["key"]
    return [("overdue", f"{producer}|{step}|{unit}", s["region"], month(s["due_at"]), 1)]


def batch(s: State) -> list[Contribution]:
    region, period, status = s.get("region", ""), month(s.get("at")), value(s, "status")
    return [("bpjs_batch", status, region, period, 1),
            *[("bpjs_batch_letters", k, region, period, n) for k, n in sorted(s.get("figures", {}).items()) if n]]


def registry(s: State) -> list[Contribution]:
    return [("registry_version", s["version"], s["region"], month(s["at"]), 1),
            *[("registry_changes", k, s["region"], month(s["at"]), n) for k, n in sorted(s.get("changes", {}).items()) if n]]


def _duration(step: str, unit: str, start: str | None, end: str | None, region: str, period: str) -> list[Contribution]:
    seconds = seconds_between(start, end)
    if seconds is None:
        return []
    return [("step_done", f"{step}|{unit}", region, period, 1), ("step_seconds", f"{step}|{unit}", region, period, seconds)]


CONTRIBUTIONS: dict[str, Callable[[State], list[Contribution]]] = {
    "complaint": complaint, "household": household, "prelist": prelist, "referral": referral,
    "letter": letter, "overdue": overdue, "batch": batch, "registry": registry,
}
