"""Fixtures of the DTKS tests (fixtures, not helper imports: test files are imported by path)."""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from slrt_contracts import Actor, Channel, ComplaintRegistered, ComplaintType, Region, Role, ServiceField
from slrt_dtks.adapters.registry import COLUMNS, RegistryStore
from slrt_dtks.adapters.synthetic import generate, write_csv


@pytest.fixture(scope="session")
def extract_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic extract of 300 people of district 1605 (seed 7)."""
    path = tmp_path_factory.mktemp("dtks") / "extract.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        write_csv(generate("1605", 300, seed=7), f)
    return path


@pytest.fixture
def make_complaint() -> Callable[..., ComplaintRegistered]:
    def make(district: str = "1605", nik: str | None = None, complaint_id: uuid.UUID | None = None,
             receipt: str = "RK-1605-25-000001") -> ComplaintRegistered:
        village = f"{district}032002"
        return ComplaintRegistered(
            district=district, complaint_id=complaint_id or uuid.uuid4(), receipt_number=receipt,
            registered_at=dt.datetime.now(dt.timezone.utc), channel=Channel.FRONT_OFFICE,
            complaint_type=ComplaintType.GRIEVANCE, field=ServiceField.HEALTH,
            region=Region(district=district, subdistrict=village[:6], village=village), nik=nik,
            recorded_by=Actor(id="fo-1", role=Role.FRONT_OFFICE, region=district),
        )
    return make


@pytest.fixture(params=["sqlite-memory", "sqlite-file", "postgres"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RegistryStore]:
    """The registry on each backend: SQLite in memory, a SQLite file, and a real PostgreSQL
    (a schema of the test's own; skipped with the reason when no server is reachable)."""
    if request.param == "postgres":
        settings = request.getfixturevalue("postgres_settings")
        store = RegistryStore.for_settings(settings)
    else:
        store = RegistryStore(None if request.param == "sqlite-memory" else tmp_path / "registry.sqlite")
    yield store
    store.close()


@pytest.fixture
def write_extract(tmp_path: Path) -> Callable[..., Path]:
    """Write rows (dicts) as a CSV extract; ``header`` defaults to the generator's columns."""
    def write(rows: list[dict[str, str]], name: str = "extract.csv", header: tuple[str, ...] | None = None) -> Path:
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(header or COLUMNS), lineterminator="\n", extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        return path
    return write


@pytest.fixture
def auth(client: Any) -> Callable[..., dict[str, str]]:
    """Development tokens from the test file's own ``client`` (a file may define its own ``auth``)."""
    def headers(role: str, region: str = "1605") -> dict[str, str]:
        r = client.post("/auth/dev-token", json={"sub": f"{role}-1", "role": role, "region": region})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}
    return headers
