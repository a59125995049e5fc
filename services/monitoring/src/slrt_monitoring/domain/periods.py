"""Monev periods: a month range from 'quarter', 'semester' or 'year' (the regulation's cadence)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from slrt_runtime.errors import DomainError

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?P<kind>Q|S|M)(?P<n>\d{1,2}))?$")


@dataclass(frozen=True)
class Period:
    label: str
    first: str  # YYYY-MM
    last: str

    @classmethod
    def parse(cls, text: str | None) -> Period:
        """``2026`` (year), ``2026-S1`` (semester), ``2026-Q3`` (quarter), ``2026-M11`` (month); empty = all."""
        if not text:
            return cls("semua", "0000-00", "9999-99")
        m = _PERIOD.match(text)
        if not m:
            raise DomainError(f"period {text!r}: use YYYY, YYYY-S1/S2, YYYY-Q1..Q4 or YYYY-M1..M12")
        year, kind, n = m["year"], m["kind"], int(m["n"] or 0)
        size, count = {"Q": (3, 4), "S": (6, 2), "M": (1, 12), None: (12, 1)}[kind]
        if kind and not 1 <= n <= count:
            raise DomainError(f"period {text!r}: {kind}{n} does not exist")
        start = (n - 1) * size + 1 if kind else 1
        return cls(text, f"{year}-{start:02d}", f"{year}-{start + size - 1:02d}")
