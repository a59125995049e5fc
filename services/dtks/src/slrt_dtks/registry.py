"""The DTKS registry extract: reference data in a table, not events.

The district receives the registry (Data Terpadu Kesejahteraan Sosial) as a periodic extract from
the ministry. We do not own that data and never change it row by row, so it is not event-sourced:
each import replaces the whole table in one transaction and gets a new ``registry_version``, which
every check records, so a check can always be traced to the extract it was made against.

CSV format (UTF-8, comma separated, one person per row; the header names these columns, in any
order, and other columns are ignored)::

    registry_id,nik,family_card,household_id,name,sex,birth_place,birth_date,address,
    village_code,welfare_decile,programmes

- ``nik``: 16-digit NIK (must pass :func:`slrt_contracts.validate_nik`); unique in the file.
- ``family_card``: 16-digit family-card (KK) number. ``household_id``: registry household id.
- ``sex``: ``M`` or ``F``. ``birth_date``: ``YYYY-MM-DD``. ``village_code``: 10 digits.
- ``welfare_decile``: 1-10, or empty when the registry has none.
- ``programmes``: codes separated by ``;`` or ``,`` inside the (quoted) field, from
  :data:`PROGRAMMES`; may be empty.

Rows that fail validation are skipped and reported by their row number and a reason; the report
never echoes a value, because the values are personal data.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import re
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from slrt_contracts import InvalidNIK, validate_nik
from slrt_runtime.errors import DomainError
from slrt_runtime.settings import Persistence, ServiceSettings

COLUMNS = (
    "registry_id", "nik", "family_card", "household_id", "name", "sex", "birth_place", "birth_date",
    "address", "village_code", "welfare_decile", "programmes",
)
PROGRAMMES = ("PKH", "BPNT", "PBI-JK", "PBI-DAERAH", "KIP")
"""Programme codes the registry extract may carry (PKH cash transfer, BPNT food aid, PBI-JK national
health-insurance premium, PBI-DAERAH district-paid premium, KIP education card)."""

SYNTHETIC_PREFIX = "SYN-"
"""Registry ids of generated people start with this; only those are ever shown as demo samples."""

MAX_REPORTED_REJECTIONS = 200  # a broken 1-million-row file must not produce a 1-million-line answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS people (
    registry_id    TEXT PRIMARY KEY,
    nik            TEXT NOT NULL UNIQUE,  -- UNIQUE is backed by an index: the lookup key
    family_card    TEXT NOT NULL,
    household_id   TEXT NOT NULL,
    name           TEXT NOT NULL,
    sex            TEXT NOT NULL CHECK (sex IN ('M', 'F')),
    birth_place    TEXT NOT NULL,
    birth_date     TEXT NOT NULL,
    address        TEXT NOT NULL,
    village_code   TEXT NOT NULL,
    welfare_decile INTEGER CHECK (welfare_decile BETWEEN 1 AND 10),
    programmes     TEXT NOT NULL DEFAULT ''  -- comma-separated codes
);
CREATE INDEX IF NOT EXISTS people_household ON people (household_id);
CREATE TABLE IF NOT EXISTS registry_version (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    version   TEXT NOT NULL UNIQUE,
    loaded_at TEXT NOT NULL,
    source    TEXT NOT NULL,
    rows      INTEGER NOT NULL,
    rejected  INTEGER NOT NULL
);
"""

_DIGITS16 = re.compile(r"^\d{16}$")
_VILLAGE = re.compile(r"^\d{10}$")


class ImportRejected(DomainError):
    """The whole file was refused; the registry is unchanged."""


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


@dataclass(frozen=True)
class RegistryStatus:
    version: str | None
    rows: int
    loaded_at: dt.datetime | None
    source: str | None


@dataclass
class ImportReport:
    version: str
    source: str
    rows_loaded: int = 0
    rows_rejected: int = 0
    rejections: list[dict[str, object]] = field(default_factory=list)
    """``{"row": n, "reason": "..."}``, n as a spreadsheet numbers rows (the header is row 1);
    the first :data:`MAX_REPORTED_REJECTIONS` only."""

    def reject(self, row: int, reason: str) -> None:
        self.rows_rejected += 1
        if len(self.rejections) < MAX_REPORTED_REJECTIONS:
            self.rejections.append({"row": row, "reason": reason})


def parse_programmes(value: str) -> tuple[str, ...]:
    codes = [c.strip().upper() for c in re.split(r"[;,]", value or "") if c.strip()]
    unknown = [c for c in codes if c not in PROGRAMMES]
    if unknown:
        raise ValueError(f"unknown programme code(s) {', '.join(sorted(set(unknown)))}; "
                         f"expected {', '.join(PROGRAMMES)}")
    return tuple(dict.fromkeys(codes))  # de-duplicated, order kept


def _validate_row(row: dict[str, str]) -> tuple[object, ...]:
    """The row as a table tuple, or ValueError with a reason that never contains a value."""
    values = {k: (row.get(k) or "").strip() for k in COLUMNS}
    for required in ("registry_id", "household_id", "name", "birth_place", "address"):
        if not values[required]:
            raise ValueError(f"{required} is empty")
    try:
        nik = validate_nik(values["nik"])
    except InvalidNIK as e:
        raise ValueError(f"nik: {e}") from None
    if not _DIGITS16.match(values["family_card"]):
        raise ValueError("family_card must be exactly 16 digits")
    sex = values["sex"].upper()
    if sex not in ("M", "F"):
        raise ValueError("sex must be M or F")
    try:
        birth_date = dt.date.fromisoformat(values["birth_date"])
    except ValueError:
        raise ValueError("birth_date must be a date YYYY-MM-DD") from None
    if not _VILLAGE.match(values["village_code"]):
        raise ValueError("village_code must be exactly 10 digits")
    decile: int | None = None
    if values["welfare_decile"]:
        if not values["welfare_decile"].isdigit() or not 1 <= int(values["welfare_decile"]) <= 10:
            raise ValueError("welfare_decile must be 1-10 or empty")
        decile = int(values["welfare_decile"])
    programmes = parse_programmes(values["programmes"])
    # The NIK's sex/birth-date digits are not checked against the columns on purpose: the
    # registry is the authority on the person and real extracts carry such historic mismatches.
    return (values["registry_id"], nik, values["family_card"], values["household_id"], values["name"], sex,
            values["birth_place"], birth_date.isoformat(), values["address"], values["village_code"], decile,
            ",".join(programmes))


class RegistryStore:
    """The registry table in SQLite: a file (WAL, so lookups read the old extract while a new one
    is being imported) or, for tests, one in-memory database."""

    FILE_NAME = "dtks-registry.sqlite"

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._write_lock = threading.Lock()  # one import at a time
        self._shared: sqlite3.Connection | None = None
        self._shared_lock = threading.RLock()
        if path is None:
            # An in-memory database lives as long as its one connection: share it, serialised.
            self._shared = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as conn:
            if path is not None:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    @classmethod
    def for_settings(cls, settings: ServiceSettings) -> RegistryStore:
        if settings.persistence is Persistence.MEMORY:
            return cls(None)
        # Also with PostgreSQL events: the extract is a read-only cache each replica can hold.
        return cls(settings.data_dir / cls.FILE_NAME)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._shared is not None:
            with self._shared_lock:
                yield self._shared
            return
        # A connection per operation: cheap for SQLite, and safe from any worker thread.
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        try:
            conn.execute("PRAGMA busy_timeout=30000")
            yield conn
        finally:
            conn.close()

    # -- reading -----------------------------------------------------------------------------
    def find_by_nik(self, nik: str) -> Person | None:
        with self._connection() as conn:
            row = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM people WHERE nik = ?", (nik,)).fetchone()
        return None if row is None else _person(row)

    def status(self) -> RegistryStatus:
        with self._connection() as conn:
            count = conn.execute("SELECT COUNT(*) FROM people").fetchone()[0]
            latest = conn.execute(
                "SELECT version, loaded_at, source FROM registry_version ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        if latest is None:
            return RegistryStatus(version=None, rows=count, loaded_at=None, source=None)
        return RegistryStatus(version=latest[0], rows=count, loaded_at=dt.datetime.fromisoformat(latest[1]),
                              source=latest[2])

    def current_version(self) -> str | None:
        return self.status().version

    def is_empty(self) -> bool:
        return self.status().rows == 0

    def synthetic_sample(self, limit: int = 5) -> list[Person]:
        """Generated people only (registry id prefix), so a real extract is never exposed as a demo."""
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT {', '.join(COLUMNS)} FROM people WHERE registry_id >= ? AND registry_id < ? "
                "ORDER BY registry_id LIMIT ?",
                (SYNTHETIC_PREFIX, SYNTHETIC_PREFIX[:-1] + chr(ord(SYNTHETIC_PREFIX[-1]) + 1), limit),
            ).fetchall()
        return [_person(r) for r in rows]

    # -- importing ---------------------------------------------------------------------------
    def load_csv(self, path: Path | str) -> ImportReport:
        path = Path(path)
        try:
            with path.open(encoding="utf-8-sig", newline="") as f:  # -sig: spreadsheets add a BOM
                return self.load_stream(f, source=path.name)
        except FileNotFoundError:
            raise ImportRejected(f"no such file: {path}") from None
        except UnicodeDecodeError:
            raise ImportRejected("the file is not UTF-8 text") from None

    def load_stream(self, stream: TextIO, *, source: str) -> ImportReport:
        """Stream the CSV into a new registry version, all or nothing.

        Valid rows replace the table in one transaction; an unreadable header, an I/O error or a
        file without a single valid row leaves the previous extract in place.
        """
        digest = hashlib.sha256()
        reader = csv.DictReader(_hashing(stream, digest))
        header = tuple(h.strip().lower() for h in (reader.fieldnames or ()))
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise ImportRejected(f"CSV header lacks column(s): {', '.join(missing)}; expected {','.join(COLUMNS)}")
        reader.fieldnames = list(header)
        loaded_at = dt.datetime.now(dt.timezone.utc)
        report = ImportReport(version="", source=source)
        with self._write_lock, self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM people")
                seen: set[str] = set()
                for row in reader:
                    line = reader.line_num  # = spreadsheet row number unless a field spans lines
                    try:
                        values = _validate_row(row)
                    except ValueError as e:
                        report.reject(line, str(e))
                        continue
                    if values[1] in seen:
                        report.reject(line, "nik appears on an earlier row of this file")
                        continue
                    try:
                        conn.execute(f"INSERT INTO people ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                                     values)
                    except sqlite3.IntegrityError:
                        report.reject(line, "registry_id appears on an earlier row of this file")
                        continue
                    seen.add(values[1])
                    report.rows_loaded += 1
                if report.rows_loaded == 0:
                    first = f"; first: row {report.rejections[0]['row']}: {report.rejections[0]['reason']}" \
                        if report.rejections else ""
                    raise ImportRejected(f"no valid rows ({report.rows_rejected} rejected{first}); "
                                         "the registry is unchanged")
                seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM registry_version").fetchone()[0]
                # Readable order plus the content hash: the same file loaded twice is recognisable.
                report.version = f"{loaded_at:%Y%m%d}-{seq}-{digest.hexdigest()[:12]}"
                conn.execute(
                    "INSERT INTO registry_version (version, loaded_at, source, rows, rejected) VALUES (?, ?, ?, ?, ?)",
                    (report.version, loaded_at.isoformat(), source, report.rows_loaded, report.rows_rejected),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return report

    def close(self) -> None:
        if self._shared is not None:
            self._shared.close()


def _hashing(stream: TextIO, digest: "hashlib._Hash") -> Iterator[str]:
    """Passes lines through to the CSV reader while hashing them: one pass over a large file."""
    for line in stream:
        digest.update(line.encode())
        yield line


def _person(row: tuple) -> Person:
    return Person(
        registry_id=row[0], nik=row[1], family_card=row[2], household_id=row[3], name=row[4], sex=row[5],
        birth_place=row[6], birth_date=dt.date.fromisoformat(row[7]), address=row[8], village_code=row[9],
        welfare_decile=row[10], programmes=tuple(p for p in row[11].split(",") if p),
    )
