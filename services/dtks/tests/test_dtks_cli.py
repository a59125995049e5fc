"""The command line: import with a progress bar and a report, list versions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from slrt_dtks.entrypoints.cli import main
from slrt_dtks.adapters.registry import RegistryStore
from slrt_dtks.adapters.synthetic import generate


def test_import_reports_and_switches_the_service_registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          write_extract: Callable, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("SLRT_PERSISTENCE", "sqlite")
    monkeypatch.setenv("SLRT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")  # rich's table width
    rows = list(generate("1605", 12, seed=3))
    rows[4]["nik"] = "1605"  # refused, and shown with its row number
    assert main(["import", str(write_extract(rows))]) == 0
    err = capsys.readouterr().err
    assert "loaded 11, rejected 1" in err and "NIK must be exactly 16 digits" in err and rows[4]["name"] not in err
    store = RegistryStore(tmp_path / "data" / RegistryStore.FILE_NAME)
    assert store.status().rows == 11
    assert main(["import", str(tmp_path / "missing.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["versions"]) == 0
    assert store.current_version() in capsys.readouterr().err
    store.close()
