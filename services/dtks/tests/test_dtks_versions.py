"""Registry versions on every backend: bad rows reported, all-or-nothing switches, differences."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from slrt_dtks.adapters.registry import COLUMNS, FLAG_COLUMNS, ImportRejected, RegistryStore
from slrt_dtks.adapters.synthetic import generate
from slrt_runtime.settings import ServiceSettings


def people(n: int = 30, seed: int = 3) -> list[dict[str, str]]:
    return list(generate("1605", n, seed=seed))


def test_a_bad_row_never_imports_silently(any_store: RegistryStore, write_extract: Callable) -> None:
    rows = people(12)
    good = rows[0]
    bad = {
        2: ("nik", "1605031313770001", "nik: NIK digits 7-12 are not a valid birth date"),
        3: ("nik", good["nik"], "duplicate NIK"),
        4: ("village_code", "9905012001", "unknown village 9905012001"),
        5: ("birth_date", "31-12-1980", "birth_date must be a date"),
        6: ("programmes", "PKH,BLT", "unknown code(s) BLT"),
        7: ("family_card", "12345", "family_card must be exactly 16 digits"),
    }
    for index, (column, value, _) in bad.items():
        rows[index][column] = value
    report = any_store.load_csv(write_extract(rows))
    assert report.rows_loaded + report.rows_rejected == len(rows)
    assert report.rows_loaded == len(rows) - len(bad)
    reasons = {r["row"]: r["reason"] for r in report.rejections}
    assert set(reasons) == {index + 2 for index in bad}  # spreadsheet rows: header is row 1
    for index, (_, _, expected) in bad.items():
        assert expected in reasons[index + 2]
    for index in bad:
        if index != 3:  # the duplicate's NIK is the good first row's
            assert any_store.find_by_nik(rows[index]["nik"]) is None or rows[index]["nik"] == good["nik"]
    assert any_store.find_by_nik(rows[4]["nik"]) is None  # refused for its region, not imported
    text = repr(report)
    for row in rows:
        assert row["nik"] not in text and row["name"] not in text


def test_a_nik_inconsistent_with_its_row_is_imported_but_flagged(any_store: RegistryStore,
                                                                 write_extract: Callable) -> None:
    rows = people(5)
    rows[1]["sex"] = "F" if rows[1]["sex"] == "M" else "M"
    rows[2]["village_code"] = "1605192001"  # another sub-district than the NIK's
    report = any_store.load_csv(write_extract(rows))
    assert report.rows_loaded == 5 and report.rows_warned == 2
    warned = {w["row"]: w["reason"] for w in report.warnings}
    assert "sex" in warned[3] and "sub-district" in warned[4]


def test_an_interrupted_import_leaves_the_old_version(any_store: RegistryStore, write_extract: Callable) -> None:
    old = any_store.load_csv(write_extract(people(20, seed=1)))
    lines = io.StringIO()
    import csv

    writer = csv.DictWriter(lines, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(people(40, seed=2))

    def breaks_half_way() -> Iterator[str]:
        text = lines.getvalue().splitlines(keepends=True)
        yield from text[:25]
        raise OSError("the USB stick was pulled out")

    with pytest.raises(OSError):
        any_store.load_stream(breaks_half_way(), source="broken.csv")
    status = any_store.status()
    assert status.version == old.version and status.rows == 20
    assert any_store.find_by_nik(people(20, seed=1)[0]["nik"]) is not None
    assert any_store.find_by_nik(people(40, seed=2)[0]["nik"]) is None
    # ... and the next import works and becomes the active version.
    new = any_store.load_csv(write_extract(people(40, seed=2), "new.csv"))
    assert any_store.status().version == new.version and any_store.status().rows == 40


def test_a_file_without_valid_rows_or_header_changes_nothing(any_store: RegistryStore, write_extract: Callable) -> None:
    loaded = any_store.load_csv(write_extract(people(10)))
    rows = people(3, seed=5)
    for r in rows:
        r["sex"] = "X"
    with pytest.raises(ImportRejected, match="no valid rows"):
        any_store.load_csv(write_extract(rows, "bad.csv"))
    with pytest.raises(ImportRejected, match="lacks column"):
        any_store.load_csv(write_extract(rows, "short.csv", header=COLUMNS[:5]))
    assert any_store.status().version == loaded.version


KILLED_IMPORT = """
import sys, time, pathlib, csv, io
from slrt_dtks.adapters.registry import RegistryStore, COLUMNS
from slrt_dtks.adapters.synthetic import generate
from slrt_runtime.settings import ServiceSettings

marker = pathlib.Path(sys.argv[1])
def lines():
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\\n")
    w.writeheader()
    yield out.getvalue()
    out.seek(0); out.truncate()
    for row in generate("1605", 20000, seed=9):
        w.writerow(row)
        yield out.getvalue()
        out.seek(0); out.truncate()

def progress(done):
    if done >= 10000 and not marker.exists():
        marker.write_text("half way")
        time.sleep(120)  # killed here, in the middle of the import's transaction

RegistryStore.for_settings(ServiceSettings()).load_stream(lines(), source="killed.csv", progress=progress)
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_killed_import_leaves_the_old_version(backend: str, request: pytest.FixtureRequest, tmp_path: Path,
                                                write_extract: Callable) -> None:
    settings = (request.getfixturevalue("postgres_settings") if backend == "postgres"
                else ServiceSettings(persistence="sqlite", data_dir=tmp_path / "data"))
    store = RegistryStore.for_settings(settings)
    try:
        old = store.load_csv(write_extract(people(20, seed=1)))
        env = {**os.environ, "SLRT_PERSISTENCE": settings.persistence.value, "SLRT_DATA_DIR": str(settings.data_dir),
               "SLRT_POSTGRES_SCHEMA": settings.postgres_schema, "SLRT_POSTGRES_HOST": settings.postgres_host,
               "SLRT_POSTGRES_PORT": str(settings.postgres_port), "SLRT_POSTGRES_USER": settings.postgres_user,
               "SLRT_POSTGRES_DBNAME": settings.postgres_dbname}
        marker = tmp_path / "half-way"
        process = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(marker)], env=env)
        try:
            deadline = time.monotonic() + 60
            while not marker.exists():
                assert process.poll() is None, "the import process ended before it was killed"
                assert time.monotonic() < deadline, "the import never got half way"
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        assert store.status().version == old.version and store.status().rows == 20
        assert store.find_by_nik(next(generate("1605", 1, seed=9))["nik"]) is None
        new = store.load_csv(write_extract(people(30, seed=4), "after.csv"))  # cleans the leftovers up
        assert store.status().version == new.version and store.status().rows == 30
        assert [v["status"] for v in store.versions()] == ["active", "retired"]
    finally:
        store.close()


def test_a_reimport_yields_the_differences(any_store: RegistryStore, write_extract: Callable) -> None:
    rows = people(30)
    first = any_store.load_csv(write_extract(rows, "2025-01.csv"))
    assert (first.added, first.removed, first.changed, first.previous_version) == (30, 0, 0, None)

    newer = [dict(r) for r in rows]
    removed = newer.pop(3), newer.pop(10)
    added = list(generate("1605", 33, seed=77))[-3:]
    for r in added:
        r["registry_id"] = r["registry_id"].replace("SYN-", "SYN-X")
    newer.extend(added)
    newer[0]["address"] = "Jl. Baru No. 1, RT 001/RW 001"
    newer[1]["programmes"] = ",".join(sorted(set(newer[1]["programmes"].split(",")) ^ {"KIP"} - {""}))
    newer[2]["welfare_decile"] = "9" if newer[2]["welfare_decile"] != "9" else "8"
    second = any_store.load_csv(write_extract(newer, "2025-02.csv"))

    assert (second.added, second.removed, second.changed) == (3, 2, 3)
    assert second.previous_version == first.version
    assert second.programme_changes >= 1
    changes = any_store.changes(second.version)
    by_id = {(c["change"], c["registry_id"]): c for c in changes}
    assert {k[1] for k in by_id if k[0] == "removed"} == {r["registry_id"] for r in removed}
    assert {k[1] for k in by_id if k[0] == "added"} == {r["registry_id"] for r in added}
    assert by_id[("changed", newer[0]["registry_id"])]["fields"] == "address,"
    assert by_id[("changed", newer[1]["registry_id"])]["fields"] == "programmes,"
    assert ("KIP" in by_id[("changed", newer[1]["registry_id"])]["programmes_after"]) != ("KIP" in rows[1]["programmes"])
    assert by_id[("changed", newer[2]["registry_id"])]["fields"] == "welfare_decile,"
    assert len(any_store.changes(second.version, "added")) == 3
    assert any_store.changes(second.version, scope="9999") == []
    versions = any_store.versions()
    assert [v["version"] for v in versions] == [second.version, first.version]
    assert versions[0]["removed"] == 2 and versions[0]["status"] == "active"


def test_xlsx_with_programme_flag_columns(any_store: RegistryStore, tmp_path: Path) -> None:
    rows = people(6)
    header = [c for c in COLUMNS if c != "programmes"] + list(FLAG_COLUMNS) + ["welfare_rank"]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for i, r in enumerate(rows):
        codes = set(r["programmes"].split(","))
        flags = ["Y" if code in codes else "" for code in FLAG_COLUMNS.values()]
        values = [r[c] for c in COLUMNS if c != "programmes"] + flags + [i + 1]
        values[COLUMNS.index("welfare_decile")] = int(r["welfare_decile"])  # numbers as a spreadsheet has them
        sheet.append(values)
    sheet.append(["SYN-bad", float(rows[0]["nik"]), *[rows[1][c] for c in COLUMNS[2:-1]], "", "", "", "", "", 9])
    path = tmp_path / "extract.xlsx"
    workbook.save(path)
    report = any_store.load_csv(path)
    assert report.rows_loaded == 6 and report.rows_rejected == 1
    assert report.rejections[0]["row"] == 8 and "nik" in report.rejections[0]["reason"]
    person = any_store.find_by_nik(rows[2]["nik"])
    assert person is not None and ",".join(person.programmes) == rows[2]["programmes"]
    assert person.welfare_rank == 3


def test_two_replicas_see_one_registry_on_postgres(postgres_settings: ServiceSettings, write_extract: Callable) -> None:
    one, two = RegistryStore.for_settings(postgres_settings), RegistryStore.for_settings(postgres_settings)
    try:
        report = one.load_csv(write_extract(people(10)))
        two.backend._active = (None, 0.0)  # as after the pointer's short cache time
        assert two.current_version() == report.version
        assert two.find_by_nik(people(10)[4]["nik"]) is not None
    finally:
        one.close()
        two.close()


def test_lookups_and_matching_work_on_every_backend(any_store: RegistryStore, write_extract: Callable) -> None:
    import datetime as dt

    rows = people(300, seed=8)
    any_store.load_csv(write_extract(rows))
    person = rows[123]
    assert any_store.find_by_nik(person["nik"]).registry_id == person["registry_id"]
    assert {m.registry_id for m in any_store.household(family_card=person["family_card"])} == {
        r["registry_id"] for r in rows if r["family_card"] == person["family_card"]}
    typed = "Bpk. " + person["name"].replace("a", "o", 1)
    found = any_store.fuzzy(typed, dt.date.fromisoformat(person["birth_date"]), region=person["village_code"],
                            scope="1605", limit=3)
    assert person["registry_id"] in [c.person.registry_id for c in found]
    page, total = any_store.search(scope=person["village_code"], limit=2)
    assert total == sum(r["village_code"] == person["village_code"] for r in rows) and len(page) == min(2, total)
    assert [p.registry_id for p in any_store.synthetic_sample(3)] == [r["registry_id"] for r in rows[:3]]
