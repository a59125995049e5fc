"""The monev report form: a quarter, a semester or a year (the regulation's cadence) and a format,
checked here so that a wrong choice is told next to its field, then named as monitoring names
periods (``2026-Q3``, ``2026-S1``, ``2026``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .refusals import N_

KINDS = {"quarter": ("Q", 4), "semester": ("S", 2), "year": ("", 0)}
FORMATS = ("pdf", "xlsx")
MEDIA = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class MonevRequest:
    period: str
    fmt: str
    region: str | None


def monev_request(form: Mapping[str, Any], this_year: int) -> tuple[MonevRequest | None, dict[str, str]]:
    """The request, or the problems by field (message ids of the catalogue)."""
    text = lambda key: str(form.get(key) or "").strip()  # noqa: E731
    errors: dict[str, str] = {}
    kind, fmt, region = text("kind"), text("format"), text("region")
    if kind not in KINDS:
        errors["kind"] = N_("Choose a quarter, a semester or a year.")
    if fmt not in FORMATS:
        errors["format"] = N_("Choose PDF or XLSX.")
    year = int(text("year")) if text("year").isdigit() else 0
    if not 2000 <= year <= this_year:
        errors["year"] = N_("Type a year from 2000 up to this year.")
    letter, count = KINDS.get(kind, ("", 0))
    number = int(text("number")) if text("number").isdigit() else 0
    if count and not 1 <= number <= count:
        errors["number"] = N_("A year has 4 quarters and 2 semesters: choose one of them.")
    if region and not (region.isdigit() and len(region) in (2, 4, 6, 10)):
        errors["region"] = N_("An area code has 2, 4, 6 or 10 digits.")
    if errors:
        return None, errors
    period = f"{year}-{letter}{number}" if count else str(year)
    return MonevRequest(period, fmt, region or None), {}
