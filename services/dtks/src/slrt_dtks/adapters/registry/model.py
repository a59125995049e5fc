"""The registry row: its columns, validation of an extract's row, and the NIK consistency check.

Every message here may be shown to staff and written to logs: none ever contains a value of the
row (NIK, name, ...), only which column is wrong and why.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from slrt_contracts import InvalidNIK, nik_contradictions, validate_nik
from slrt_contracts.values import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from slrt_runtime.errors import DomainError
from slrt_runtime.validation import unknown_region

from ...domain.matching import name_key, normalise_name

COLUMNS = (
    "registry_id", "nik", "family_card", "household_id", "name", "sex", "birth_place", "birth_date",
    "address", "village_code", "welfare_decile", "programmes",
)
"""The columns the synthetic generator writes; ``programmes`` may be replaced by flag columns."""

OPTIONAL_COLUMNS = ("welfare_rank", "province_code", "district_code", "subdistrict_code")

PROGRAMMES = ("PKH", "BPNT", "PBI-JK", "PBI-Daerah", "KIP")
"""Programme codes (agreement 3): PKH cash transfer, BPNT food aid, PBI-JK national health-insurance
premium paid by the centre (PBI-Pusat), PBI-Daerah premium paid by the district, KIP education card."""

FLAG_COLUMNS = {"pkh": "PKH", "bpnt": "BPNT", "pbi_jk": "PBI-JK", "pbi_daerah": "PBI-Daerah", "kip": "KIP"}
"""Alternative to the ``programmes`` column: one yes/no column per programme, as ministry extracts have."""

_CODES = {c.upper(): c for c in PROGRAMMES} | {"PBI-PUSAT": "PBI-JK", "PBI_JK": "PBI-JK", "PBI_DAERAH": "PBI-Daerah"}
_YES = {"1", "y", "ya", "yes", "true", "t", "x"}
_NO = {"", "0", "n", "tidak", "no", "false", "f", "-"}

SYNTHETIC_PREFIX = "SYN-"
"""Registry ids of generated people start with this; only those are ever shown as demo samples."""

TABLE_COLUMNS = (
    "registry_id", "nik", "family_card", "household_id", "name", "sex", "birth_place", "birth_date",
    "address", "village_code", "welfare_decile", "welfare_rank", "programmes", "name_norm", "name_key",
    "birth_year",
)
"""How a person is stored: the extract's columns plus the match keys computed once at import."""

_DIGITS16 = re.compile(r"^\d{16}$")
_VILLAGE = re.compile(r"^\d{10}$")


class ImportRejected(DomainError):
    """The whole file was refused; the registry is unchanged."""


class RowRejected(ValueError):
    """One row is refused; the message names the column and the reason, never the value."""


@dataclass(frozen=True)
class Person:
    registry_id: str
    nik: str
    family_card: str
    household_id: str
    name: str
    sex: str
    birth_place: str
    birth_date: dt.date
    address: str
    village_code: str
    welfare_decile: int | None
    programmes: tuple[str, ...]
    welfare_rank: int | None = None

    @property
    def pbi(self) -> dict[str, bool]:
        return {"pusat": "PBI-JK" in self.programmes, "daerah": "PBI-Daerah" in self.programmes}

    @classmethod
    def from_row(cls, row: tuple) -> Person:
        """From a table row in :data:`TABLE_COLUMNS` order (the match keys are not needed)."""
        return cls(
            registry_id=row[0], nik=row[1], family_card=row[2], household_id=row[3], name=row[4], sex=row[5],
            birth_place=row[6], birth_date=_as_date(row[7]), address=row[8], village_code=row[9],
            welfare_decile=row[10], welfare_rank=row[11], programmes=tuple(p for p in row[12].split(",") if p),
        )


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@dataclass
class ImportReport:
    version: str
    source: str
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_warned: int = 0
    rejections: list[dict[str, object]] = field(default_factory=list)
    """``{"row": n, "reason": "..."}``, n as a spreadsheet numbers rows (the header is row 1);
    the first :data:`MAX_REPORTED` only."""
    warnings: list[dict[str, object]] = field(default_factory=list)
    """Rows imported but flagged (a NIK that disagrees with the row's birth date, sex or region)."""
    added: int = 0
    removed: int = 0
    changed: int = 0
    programme_changes: int = 0
    previous_version: str | None = None

    MAX_REPORTED = 200  # a broken 1-million-row file must not produce a 1-million-line answer

    def reject(self, row: int, reason: str) -> None:
        self.rows_rejected += 1
        if len(self.rejections) < self.MAX_REPORTED:
            self.rejections.append({"row": row, "reason": reason})

    def warn(self, row: int, reasons: list[str]) -> None:
        self.rows_warned += 1
        if len(self.warnings) < self.MAX_REPORTED:
            self.warnings.append({"row": row, "reason": "; ".join(reasons)})


@dataclass(frozen=True)
class RegistryStatus:
    version: str | None
    rows: int
    loaded_at: dt.datetime | None
    source: str | None


# -- NIK ----------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _district_problem(district: str) -> str | None:
    try:
        validate_nik(f"{district}01010180" + "0001")
    except InvalidNIK as e:
        return str(e)
    return None


_BAD_DATE = "NIK digits 7-12 are not a valid birth date (DDMMYY, day + 40 for women)"
_BAD_DAY = "NIK digits 7-8 must be the birth day: 01-31, or 41-71 for women"


@lru_cache(maxsize=None)
def _date_problem(date_digits: str) -> str | None:
    """validate_nik's date rules (stdnum's century guess, then the day range) without its region lookup."""
    day, month, year = int(date_digits[:2]), int(date_digits[2:4]), int(date_digits[4:6])
    for century in (1900, 2000):
        try:
            dt.date(century + year, month, day % 40)
            break
        except ValueError:
            continue
    else:
        return _BAD_DATE
    return None if 1 <= day <= 31 or 41 <= day <= 71 else _BAD_DAY


def check_nik(value: str) -> str:
    """:func:`slrt_contracts.validate_nik`, memoised on the parts that decide validity.

    Import validates a million NIKs; stdnum's region-table lookup costs ~18 µs each, while the
    answer depends only on the district digits and the birth-date digits, which repeat.
    """
    if len(value) == 16 and value.isascii() and value.isdigit():
        date_problem = _date_problem(value[6:12])
        # The same order of checks as validate_nik: calendar date, district, then the day range.
        if date_problem == _BAD_DATE:
            raise InvalidNIK(date_problem)
        problem = _district_problem(value[:4]) or date_problem
        if problem:
            raise InvalidNIK(problem)
        return value
    return validate_nik(value)  # separators or junk: the full check, with its precise reason


def nik_problems(nik: str, *, birth_date: dt.date | None = None, sex: str | None = None,
                 village_code: str | None = None) -> list[str]:
    """How a NIK disagrees with what is known of its holder (empty when consistent): the platform's
    rules (``slrt_contracts.nik_contradictions``) and, here, the sub-district of the registered village.
    """
    problems = nik_contradictions(nik, birth_date=birth_date, sex=sex)
    if village_code is not None and not village_code.startswith(nik[:6]):
        problems.append("NIK digits 1-6 are not the sub-district of the registered village")
    return problems


# -- programmes --------------------------------------------------------------------------------
@lru_cache(maxsize=4096)  # a handful of distinct values in a million rows
def parse_programmes(value: str) -> tuple[str, ...]:
    """Codes separated by ``,`` or ``;`` (any case) in canonical order, so stored strings compare."""
    codes = {c.strip().upper() for c in re.split(r"[;,]", value or "") if c.strip()}
    unknown = sorted(c for c in codes if c not in _CODES)
    if unknown:
        raise RowRejected(f"programmes: unknown code(s) {', '.join(unknown)}; expected {', '.join(PROGRAMMES)}")
    wanted = {_CODES[c] for c in codes}
    return tuple(p for p in PROGRAMMES if p in wanted)


def programme_flags(row: dict[str, str]) -> tuple[str, ...]:
    chosen = []
    for column, code in FLAG_COLUMNS.items():
        value = (row.get(column) or "").strip().lower()
        if value in _YES:
            chosen.append(code)
        elif value not in _NO:
            raise RowRejected(f"{column} must be 1/0 (or Y/N, ya/tidak)")
    return tuple(chosen)


# -- one row -----------------------------------------------------------------------------------
class RowValidator:
    """Turns an extract's rows (dicts of text) into table tuples, rejecting or flagging each with a
    reason. Keeps the NIKs and registry ids seen, to refuse duplicates within the file."""

    def __init__(self, header: tuple[str, ...]) -> None:
        self.flags = "programmes" not in header and all(c in header for c in FLAG_COLUMNS)
        required = [c for c in COLUMNS if not (c == "programmes" and self.flags)]
        missing = [c for c in required if c not in header]
        if missing:
            raise ImportRejected(
                f"header lacks column(s): {', '.join(missing)}; expected {','.join(COLUMNS)} "
                f"(or the flag columns {','.join(FLAG_COLUMNS)} instead of programmes)")
        self.region_columns = [c for c in ("province_code", "district_code", "subdistrict_code") if c in header]
        self.has_rank = "welfare_rank" in header
        self._niks: set[str] = set()
        self._ids: set[str] = set()

    def validate(self, row: dict[str, str]) -> tuple[tuple, list[str]]:
        """(table tuple, warnings) or :class:`RowRejected`."""
        get = row.get
        registry_id = (get("registry_id") or "").strip()
        household_id = (get("household_id") or "").strip()
        name = " ".join((get("name") or "").split())
        birth_place = (get("birth_place") or "").strip()
        address = (get("address") or "").strip()
        for column, value in (("registry_id", registry_id), ("household_id", household_id), ("name", name),
                              ("birth_place", birth_place), ("address", address)):
            if not value:
                raise RowRejected(f"{column} is empty")
            if has_control_characters(value):  # PostgreSQL refuses NUL in text: refuse the row, not the file
                raise RowRejected(f"{column} {CONTROL_CHARACTERS_MESSAGE}")
        try:
            nik = check_nik((get("nik") or "").strip())
        except InvalidNIK as e:
            raise RowRejected(f"nik: {e}") from None
        family_card = (get("family_card") or "").strip()
        if not _DIGITS16.match(family_card):
            raise RowRejected("family_card must be exactly 16 digits")
        sex = (get("sex") or "").strip().upper()
        if sex not in ("M", "F"):
            raise RowRejected("sex must be M or F")
        try:
            birth_date = dt.date.fromisoformat((get("birth_date") or "").strip())
        except ValueError:
            raise RowRejected("birth_date must be a date YYYY-MM-DD") from None
        village = (get("village_code") or "").strip()
        if not _VILLAGE.match(village):
            raise RowRejected("village_code must be exactly 10 digits")
        if (problem := unknown_region(village)) is not None:
            raise RowRejected(f"village_code: {problem}")
        for column in self.region_columns:
            if not village.startswith((get(column) or "").strip() or "-"):
                raise RowRejected(f"{column} is not a prefix of village_code: unknown region")
        decile = _small_int(get("welfare_decile"), "welfare_decile", 10)
        rank = _small_int(get("welfare_rank"), "welfare_rank", 10_000_000) if self.has_rank else None
        programmes = programme_flags(row) if self.flags else parse_programmes(get("programmes") or "")
        # Duplicates last: a row refused for another reason must not block a later good row.
        if nik in self._niks:
            raise RowRejected("nik appears on an earlier row of this file (duplicate NIK)")
        if registry_id in self._ids:
            raise RowRejected("registry_id appears on an earlier row of this file")
        self._niks.add(nik)
        self._ids.add(registry_id)
        # The registry is the authority on the person; real extracts carry historic NIK mismatches
        # (people who moved, corrected birth dates), so these are imported and flagged, not refused.
        warnings = nik_problems(nik, birth_date=birth_date, sex=sex, village_code=village)
        norm = cached_normal_form(name)
        return ((registry_id, nik, family_card, household_id, name, sex, birth_place, birth_date.isoformat(),
                 address, village, decile, rank, ",".join(programmes), norm[0], norm[1], birth_date.year),
                warnings)


@lru_cache(maxsize=1 << 18)  # names repeat: a district has far fewer distinct names than people
def cached_normal_form(name: str) -> tuple[str, str]:
    norm = normalise_name(name)
    return norm, name_key(norm)


def _small_int(value: str | None, column: str, top: int) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= top:
        raise RowRejected(f"{column} must be 1-{top} or empty")
    return int(value)
