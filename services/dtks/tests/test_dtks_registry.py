"""Loading registry extracts: validation with reasons, all-or-nothing, versions, lookups."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from slrt_dtks.adapters.registry import COLUMNS, ImportRejected, RegistryStore
from slrt_dtks.adapters.synthetic import generate
from slrt_runtime.settings import ServiceSettings


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RegistryStore]:
    s = RegistryStore(None if request.param == "memory" else tmp_path / "dtks-registry.sqlite")
    yield s
    s.close()


def to_csv(rows: list[dict[str, str]], header: tuple[str, ...] = COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write(tmp_path: Path, text: str, name: str = "extract.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_empty_store(store: RegistryStore) -> None:
    status = store.status()
    assert (status.version, status.rows) == (None, 0)
    assert store.is_empty()
    assert store.find_by_nik("1605030212700001") is None


def test_load_and_find(store: RegistryStore, extract_csv: Path) -> None:
    report = store.load_csv(extract_csv)
    assert (report.rows_loaded, report.rows_rejected, report.rejections) == (300, 0, [])
    assert report.source == "extract.csv"
    first = next(generate("1605", 1, seed=7))
    person = store.find_by_nik(first["nik"])
    assert person is not None
    assert person.name == first["name"]
    assert person.birth_date.isoformat() == first["birth_date"]
    assert ",".join(person.programmes) == first["programmes"]
    assert person.welfare_decile == int(first["welfare_decile"])
    status = store.status()
    assert status.version == report.version and status.rows == 300 and status.source == "extract.csv"


def test_bad_rows_are_skipped_with_row_and_reason_but_never_the_value(store: RegistryStore, tmp_path: Path) -> None:
    rows = list(generate("1605", 8, seed=11))
    bad_nik = "1605034402779999"[:-1]  # 15 digits
    rows[1]["nik"] = bad_nik
    rows[2]["nik"] = "1605031313770001"  # month 13
    rows[3]["sex"] = "X"
    rows[4]["programmes"] = "PKH,BLT"
    rows[5]["nik"] = rows[0]["nik"]  # duplicate NIK
    rows[6]["welfare_decile"] = "11"
    report = store.load_csv(write(tmp_path, to_csv(rows)))
    assert report.rows_loaded == 2 and report.rows_rejected == 6
    reasons = {r["row"]: r["reason"] for r in report.rejections}
    assert reasons[3] == "nik: NIK must be exactly 16 digits"
    assert "birth date" in reasons[4]
    assert reasons[5] == "sex must be M or F"
    assert "BLT" in reasons[6]
    assert "earlier row" in reasons[7]
    assert "welfare_decile" in reasons[8]
    text = repr(report)
    for row in rows:
        assert row["nik"] not in text and row["name"] not in text
    assert bad_nik not in text
    assert store.find_by_nik(rows[0]["nik"]) is not None
    assert store.find_by_nik(rows[7]["nik"]) is not None


def test_rows_with_control_characters_in_text_are_refused_not_the_file(store: RegistryStore, tmp_path: Path) -> None:
    rows = list(generate("1605", 4, seed=12))
    rows[1]["name"] = rows[1]["name"] + "\x00"  # PostgreSQL cannot store a NUL in text
    rows[2]["address"] = "Dusun II\x1b[31m"
    report = store.load_csv(write(tmp_path, to_csv(rows)))
    assert (report.rows_loaded, report.rows_rejected) == (2, 2)
    reasons = {r["row"]: r["reason"] for r in report.rejections}
    assert reasons[3].startswith("name must not contain control characters")
    assert reasons[4].startswith("address must not contain control characters")


def test_a_new_extract_replaces_the_old_one_with_a_new_version(store: RegistryStore, tmp_path: Path) -> None:
    old = list(generate("1605", 10, seed=1))
    new = list(generate("1671", 5, seed=2))
    first = store.load_csv(write(tmp_path, to_csv(old), "old.csv"))
    second = store.load_csv(write(tmp_path, to_csv(new), "new.csv"))
    assert first.version != second.version
    assert store.status().rows == 5 and store.status().version == second.version
    assert store.find_by_nik(old[0]["nik"]) is None
    assert store.find_by_nik(new[0]["nik"]) is not None


def test_wrong_header_or_no_valid_rows_change_nothing(store: RegistryStore, tmp_path: Path, extract_csv: Path) -> None:
    loaded = store.load_csv(extract_csv)
    rows = list(generate("1605", 3, seed=5))
    with pytest.raises(ImportRejected, match="lacks column.*welfare_decile"):
        store.load_csv(write(tmp_path, to_csv(rows, tuple(c for c in COLUMNS if c != "welfare_decile"))))
    for r in rows:
        r["birth_date"] = "17/08/1945"
    with pytest.raises(ImportRejected, match="no valid rows.*row 2: birth_date"):
        store.load_csv(write(tmp_path, to_csv(rows), "bad.csv"))
    with pytest.raises(ImportRejected, match="no such file"):
        store.load_csv(tmp_path / "missing.csv")
    assert store.status().version == loaded.version and store.status().rows == 300


def test_failure_in_the_middle_of_a_file_rolls_back(store: RegistryStore, extract_csv: Path) -> None:
    loaded = store.load_csv(extract_csv)
    lines = to_csv(list(generate("1605", 50, seed=9))).splitlines(keepends=True)

    def broken_stream() -> Iterator[str]:
        yield from lines[:30]
        raise OSError("disk went away")

    with pytest.raises(OSError):
        store.load_stream(broken_stream(), source="broken.csv")  # type: ignore[arg-type]
    assert store.status().version == loaded.version and store.status().rows == 300
    assert store.find_by_nik(next(generate("1605", 1, seed=9))["nik"]) is None


def test_spreadsheet_bom_and_semicolon_programmes(store: RegistryStore, tmp_path: Path) -> None:
    rows = list(generate("1605", 2, seed=4))
    rows[0]["programmes"] = "pkh; bpnt"
    path = tmp_path / "bom.csv"
    path.write_text(to_csv(rows), encoding="utf-8-sig")
    assert store.load_csv(path).rows_loaded == 2
    assert store.find_by_nik(rows[0]["nik"]).programmes == ("PKH", "BPNT")


def test_synthetic_sample_never_shows_real_rows(store: RegistryStore, tmp_path: Path) -> None:
    rows = list(generate("1605", 4, seed=4))
    for r in rows[:2]:
        r["registry_id"] = r["registry_id"].replace("SYN-", "RID-")
    store.load_csv(write(tmp_path, to_csv(rows)))
    sample = store.synthetic_sample(10)
    assert [p.nik for p in sample] == [r["nik"] for r in rows[2:]]


def test_file_store_is_wal_and_in_the_data_dir(tmp_path: Path, extract_csv: Path) -> None:
    store = RegistryStore.for_settings(ServiceSettings(data_dir=tmp_path / "data"))
    store.load_csv(extract_csv)
    assert store.path == tmp_path / "data" / "dtks-registry.sqlite"
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reopened = RegistryStore(store.path)
    assert reopened.status().rows == 300
    assert RegistryStore.for_settings(ServiceSettings(persistence="memory")).path is None
