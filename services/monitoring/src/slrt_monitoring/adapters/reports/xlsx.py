"""Monev report as XLSX (openpyxl): one sheet, the sections one below the other."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from .sections import sections


def render_xlsx(figures: dict[str, Any], title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Monev"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    for name, header, rows in sections(figures):
        ws.append([])
        ws.append([name])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.append(header)
        for row in rows:
            ws.append(list(row))
    ws.column_dimensions["A"].width = 42
    for col in "BCD":
        ws.column_dimensions[col].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read_sections(data: bytes) -> dict[str, list[list[Any]]]:
    """The sections back from an XLSX (for checks): name → rows without the header."""
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data)).active
    result: dict[str, list[list[Any]]] = {}
    current: list[list[Any]] | None = None
    header_next = False
    for row in ws.iter_rows(min_row=2, values_only=True):
        values = [v for v in row if v is not None]
        if not values:
            current = None
            continue
        if current is None:
            current = result.setdefault(str(values[0]), [])
            header_next = True
        elif header_next:
            header_next = False
        else:
            current.append(values)
    return result
