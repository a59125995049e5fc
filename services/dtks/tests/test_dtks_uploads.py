"""Uploaded registry extracts: sent as the request body, imported in the background, followed by
their progress, ending in the row-level report (the DTKS operator's page uses this)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from slrt_dtks.application.uploads import ImportJobs, safe_filename
from slrt_dtks.main import build
from slrt_dtks.adapters.synthetic import generate, write_csv
from slrt_runtime.errors import DomainError
from slrt_runtime.settings import ServiceSettings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(persistence="memory", district="1605", data_dir=tmp_path)
    with TestClient(build(settings, with_messaging=False, seed_people=40)) as c:
        yield c


def extract(people: int, bad_rows: int = 0) -> bytes:
    buffer = io.StringIO()
    write_csv(generate("1605", people, seed=7), buffer)
    text = buffer.getvalue()
    header = text.splitlines()[0]
    for n in range(bad_rows):  # a NIK of 15 digits: refused with its row number, never its value
        text += ",".join(f"SYN-BAD-{n}" if c == "registry_id" else ("160503420877000" if c == "nik" else "x")
                         for c in header.split(",")) + "\n"
    return text.encode()


def finished(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    seen = []
    for _ in range(200):
        job = client.get(url, headers=headers).json()
        seen.append(job["percent"])
        if job["state"] in ("done", "refused", "failed"):
            job["seen"] = seen
            return job
        time.sleep(0.05)
    raise AssertionError(f"the import did not finish: {job}")


def test_an_uploaded_extract_is_imported_in_the_background_with_its_report(
        client: TestClient, auth: Callable, tmp_path: Path) -> None:
    operator = auth("dtks_operator")
    r = client.post("/registry/uploads?filename=dtks 1605 maret.csv", content=extract(60, bad_rows=2),
                    headers=operator)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["filename"] == "dtks_1605_maret.csv" and job["state"] in ("waiting", "importing", "done")
    assert r.headers["location"] == f"/registry/uploads/{job['job_id']}"
    done = finished(client, r.headers["location"], operator)
    assert done["state"] == "done" and done["percent"] == 100 and done["rows_total"] == 62 == done["rows_read"]
    report = done["report"]
    assert report["rows_loaded"] == 60 and report["rows_rejected"] == 2 and report["added"] == 20
    assert report["source"] == "dtks_1605_maret.csv" and report["previous_version"]
    assert [x["row"] for x in report["rejections"]] == [62, 63]
    assert "160503420877000" not in str(done)  # the report never repeats a value
    status = client.get("/registry/status", headers=auth("manager")).json()
    assert status["version"] == report["version"] and status["rows"] == 60
    assert not any((tmp_path / "dtks-uploads").iterdir())  # the uploaded file is gone once imported


def test_a_refused_extract_keeps_the_old_version_and_says_why(client: TestClient, auth: Callable) -> None:
    operator = auth("dtks_operator")
    before = client.get("/registry/status", headers=operator).json()["version"]
    r = client.post("/registry/uploads?filename=x.csv", content=b"registry_id,nik\nx,1\n", headers=operator)
    done = finished(client, r.headers["location"], operator)
    assert done["state"] == "refused" and "lacks column" in done["problem"] and done["report"] is None
    assert client.get("/registry/status", headers=operator).json()["version"] == before


def test_uploads_are_the_district_operators_only_and_named_csv_or_xlsx(client: TestClient, auth: Callable) -> None:
    body = extract(5)
    assert client.post("/registry/uploads?filename=a.csv", content=body, headers=auth("manager")).status_code == 403
    village_operator = auth("dtks_operator", "1605032007")
    assert client.post("/registry/uploads?filename=a.csv", content=body, headers=village_operator).status_code == 403
    r = client.post("/registry/uploads?filename=a.exe", content=body, headers=auth("dtks_operator"))
    assert r.status_code == 422 and ".csv or .xlsx" in r.json()["detail"]
    r = client.post("/registry/uploads?filename=a.csv", content=b"", headers=auth("dtks_operator"))
    assert r.status_code == 422 and "empty" in r.json()["detail"]
    unknown = "/registry/uploads/00000000-0000-4000-8000-000000000000"
    assert client.get(unknown, headers=auth("dtks_operator")).status_code == 404


def test_an_uploaded_name_cannot_leave_its_folder() -> None:
    assert safe_filename("../../etc/cron.d/x.csv") == "x.csv"
    assert safe_filename("C:\\data\\DTKS Maret.xlsx") == "DTKS_Maret.xlsx"
    with pytest.raises(DomainError):
        safe_filename("..csv.")


# --- several replicas, and a process that dies mid-import --------------------------------------------

@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> ServiceSettings:
    """What two replicas of dtks share: the SQLite files of one data directory, or one PostgreSQL schema."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres_settings").model_copy(update={"district": "1605",
                                                                              "data_dir": tmp_path})
    return ServiceSettings(persistence="sqlite", district="1605", data_dir=tmp_path)


def replica(settings: ServiceSettings, **timing: float) -> TestClient:
    app = build(settings, with_messaging=False, seed_people=40)
    if timing:
        app.state.imports = ImportJobs(app.state.application, settings.data_dir / "dtks-uploads", **timing)
    return TestClient(app)


def token(client: TestClient) -> dict[str, str]:
    r = client.post("/auth/dev-token", json={"sub": "op-1", "role": "dtks_operator", "region": "1605"})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_any_replica_follows_an_import_another_one_runs(shared: ServiceSettings) -> None:
    first, second = replica(shared), replica(shared)
    r = first.post("/registry/uploads?filename=maret.csv", content=extract(60), headers=token(first))
    assert r.status_code == 202, r.text
    done = finished(second, r.headers["location"], token(second))  # the load balancer sent the polls elsewhere
    assert done["state"] == "done" and done["percent"] == 100 and done["report"]["rows_loaded"] == 60
    assert done == {**finished(first, r.headers["location"], token(first)), "seen": done["seen"]}


def test_an_import_whose_process_died_reads_as_failed_and_its_file_goes(
        shared: ServiceSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    running = replica(shared, heartbeat_seconds=0.1, stale_seconds=1.0)
    importing, release = threading.Event(), threading.Event()

    def hangs(path: Path, progress: Callable[[int], None], **_: Any) -> None:
        progress(30)
        importing.set()
        release.wait(30)
        raise RuntimeError("the process was killed")  # stands for the kill: nothing after this counts

    monkeypatch.setattr(running.app.state.application, "import_extract", hangs)
    try:
        r = running.post("/registry/uploads?filename=april.csv", content=extract(60), headers=token(running))
        assert importing.wait(10)
        other = replica(shared, stale_seconds=1.0)
        time.sleep(1.5)  # longer than the stale limit: the heartbeat alone keeps the job alive
        alive = other.get(r.headers["location"], headers=token(other)).json()
        assert alive["state"] == "importing" and alive["rows_total"] == 60
        uploads = shared.data_dir / "dtks-uploads"
        assert [p.name for p in uploads.iterdir()] == [alive["job_id"]]
        replica(shared, stale_seconds=1.0)  # a replica starting now leaves a live import's file alone
        assert [p.name for p in uploads.iterdir()] == [alive["job_id"]]

        running.app.state.imports.close()  # the process dies: no heartbeat any more
        time.sleep(1.5)
        dead = other.get(r.headers["location"], headers=token(other)).json()
        assert dead["state"] == "failed" and "interrupted" in dead["problem"] and dead["finished_at"]
        replica(shared, stale_seconds=1.0)  # the restarted process removes the extract nobody imports
        assert not any(uploads.iterdir())
    finally:
        release.set()
        running.app.state.imports.close(wait=True)  # its last write before the test's database goes
