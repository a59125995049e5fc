"""Official letter numbers (nomor surat) in the office's format, e.g. 427.42/0007/Dinsos/2026."""

from __future__ import annotations

import string

FIELDS = {"classification", "seq", "unit", "year", "district"}


def check_number_format(fmt: str) -> None:
    """Refuse a format that would not make unique numbers (no ``{seq}``) or names unknown fields."""
    names = {name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None}
    if "seq" not in names:
        raise ValueError(f"letter number format {fmt!r} must contain {{seq}}")
    if unknown := names - FIELDS:
        raise ValueError(f"letter number format {fmt!r} names unknown fields {sorted(unknown)}; known: {sorted(FIELDS)}")


def letter_number(fmt: str, *, classification: str, seq: int, unit: str, year: int, district: str) -> str:
    return fmt.format(classification=classification, seq=seq, unit=unit, year=year, district=district)


def letter_sequence_name(district: str, unit: str, year: int) -> str:
    # One register per office and year for all letter types: the serial restarts each January.
    return f"letter:{district}:{unit}:{year}"
