"""Region names beside the codes in monitoring's outputs (dashboards, monev reports), from the
platform's reference data: a reader knows "Tugumulyo", not "160501". The figures and the JSON keep
the codes (they are what filters and other systems use); only what people read gains the names."""

from __future__ import annotations

from typing import Any

from slrt_reference.regions import regions


def area_name(code: str) -> str:
    """The area's own name, or "-" when the reference data does not know the code."""
    return regions().name(code) or "-"


def area_label(code: str) -> str:
    """The name with the names above it and the code: ``Tugumulyo, Kabupaten Musi Rawas (160501)``."""
    return regions().label(code)


def named(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows whose first cell is a region code, with the area's name inserted after it."""
    return [[row[0], area_name(str(row[0])), *row[1:]] for row in rows]
