"""Reading extracts as a stream of rows: CSV (UTF-8, spreadsheets' BOM tolerated) and XLSX.

XLSX is read with openpyxl in read-only mode, which streams the sheet's XML instead of building the
whole workbook in memory (a million-row sheet stays within the import's memory budget).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import ImportRejected

Row = tuple[int, dict[str, str]]
"""(row number as a spreadsheet shows it, the header being row 1; the row's text by column)"""


@dataclass
class Source:
    name: str
    header: tuple[str, ...]
    rows: Iterator[Row]
    digest: Callable[[], str]
    """Content hash, complete once the rows have been read."""


def _header(names: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(h or "").strip().lower().replace(" ", "_").replace("-", "_") for h in names)


def csv_source(lines: Iterable[str], name: str) -> Source:
    digest = hashlib.sha256()

    def hashing() -> Iterator[str]:
        for line in lines:
            digest.update(line.encode())
            yield line

    reader = csv.reader(hashing())
    try:
        header = _header(next(reader))
    except StopIteration:
        raise ImportRejected("the file is empty") from None
    except UnicodeDecodeError:
        raise ImportRejected("the file is not UTF-8 text") from None
    except csv.Error as e:
        raise ImportRejected(f"the CSV header is malformed: {e}") from None

    def rows() -> Iterator[Row]:
        try:
            for values in reader:
                if values:
                    yield reader.line_num, dict(zip(header, values))
        except UnicodeDecodeError:
            raise ImportRejected("the file is not UTF-8 text") from None
        except csv.Error as e:
            raise ImportRejected(f"the CSV is malformed near row {reader.line_num}: {e}") from None

    return Source(name, header, rows(), lambda: digest.hexdigest())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # A 16-digit NIK typed as a number has lost its last digit to floating point: refuse it
        # rather than guess (the validator sees a non-digit string and says so).
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value!r}"
    return str(value)


def xlsx_source(path: Path) -> tuple[Source, Callable[[], None]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as e:
        raise ImportRejected(f"not a readable XLSX workbook: {type(e).__name__}") from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = _header(next(values))
    except StopIteration:
        workbook.close()
        raise ImportRejected("the first sheet is empty") from None

    def rows() -> Iterator[Row]:
        for number, cells in enumerate(values, start=2):
            if cells and any(c is not None for c in cells):
                yield number, {h: _cell(c) for h, c in zip(header, cells)}

    return Source(path.name, header, rows(), digest.hexdigest), workbook.close


def count_rows(path: Path) -> int | None:
    """Data rows in the file, for a progress bar (None when it would cost a full read)."""
    if path.suffix.lower() == ".csv":
        with path.open("rb") as f:
            return max(0, sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b"")) - 1)
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True)
        try:
            return max(0, (workbook.worksheets[0].max_row or 1) - 1)
        finally:
            workbook.close()
    return None


@contextlib.contextmanager
def open_source(path: Path) -> Iterator[Source]:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ImportRejected("the extract must be a .csv or .xlsx file")
    if not path.is_file():
        raise ImportRejected(f"no such file: {path}")
    if suffix == ".xlsx":
        source, close = xlsx_source(path)
        try:
            yield source
        finally:
            close()
        return
    with path.open(encoding="utf-8-sig", newline="") as f:  # -sig: spreadsheets add a BOM
        yield csv_source(f, path.name)
