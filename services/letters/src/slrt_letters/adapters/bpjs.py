"""The collective BPJS batch file (CSV and XLSX) and BPJS's reconciliation file.

Batch file columns (one row per request, documented in docs/letters.md):
``row, reference, action, letter_number, letter_date, nik, name, birth_date, sex, address,
family_card_number, region``. ``reference`` is the letter id: BPJS returns it in the
reconciliation file, whose columns are ``reference, result, reason`` (result ``accepted`` /
``rejected``, or BPJS's own ``diterima`` / ``ditolak``). Both files may be CSV (UTF-8) or XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from slrt_contracts.values import CONTROL_CHARACTERS_MESSAGE, has_control_characters

from ..domain.errors import InvalidLetterRequest

COLUMNS = ("row", "reference", "action", "letter_number", "letter_date", "nik", "name", "birth_date", "sex",
           "address", "family_card_number", "region")
RECONCILIATION_COLUMNS = ("reference", "result", "reason")
_RESULTS = {"accepted": "accepted", "diterima": "accepted", "rejected": "rejected", "ditolak": "rejected"}
MAX_ROWS = 100_000


def batch_csv(rows: Sequence[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in COLUMNS})
    return out.getvalue().encode("utf-8")


def batch_xlsx(rows: Sequence[dict[str, Any]], period: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"PBI-Daerah {period}")
    sheet.append(list(COLUMNS))
    for row in rows:
        # NIK and KK as text: a spreadsheet would turn 16 digits into 1.6E+15.
        sheet.append(["" if row.get(k) is None else str(row[k]) if k != "row" else row[k] for k in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_reconciliation(data: bytes) -> list[dict[str, str | None]]:
    """Rows of a reconciliation file (CSV or XLSX), checked; a bad row is named in a 422."""
    if data.startswith(b"PK"):
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            table = [["" if c is None else str(c).strip() for c in row] for row in sheet.iter_rows(values_only=True)]
        except Exception as e:  # noqa: BLE001 - any broken workbook is the sender's problem
            raise InvalidLetterRequest(f"the XLSX file cannot be read ({type(e).__name__})") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidLetterRequest("the CSV file is not UTF-8") from None
        table = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    if any(has_control_characters(cell) for row in table for cell in row):  # a reason is stored as given
        raise InvalidLetterRequest(f"the reconciliation file {CONTROL_CHARACTERS_MESSAGE}")
    table = [row for row in table if any(row)]
    if not table:
        raise InvalidLetterRequest("the reconciliation file is empty")
    header = [h.lower() for h in table[0]]
    if missing := [c for c in RECONCILIATION_COLUMNS[:2] if c not in header]:
        raise InvalidLetterRequest(f"the reconciliation file lacks columns {missing}; expected {list(RECONCILIATION_COLUMNS)}")
    if len(table) - 1 > MAX_ROWS:
        raise InvalidLetterRequest(f"more than {MAX_ROWS} rows")
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        cells = dict(zip(header, raw + [""] * (len(header) - len(raw)), strict=False))
        result = _RESULTS.get(cells["result"].lower())
        if result is None:
            raise InvalidLetterRequest(f"line {number}: result must be accepted or rejected (diterima / ditolak)")
        rows.append({"reference": cells["reference"], "result": result, "reason": cells.get("reason") or None})
    return rows
