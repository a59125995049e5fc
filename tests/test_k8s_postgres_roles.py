"""The database the Kubernetes manifests prepare is enough for the services as they are now.

Runs the in-cluster PostgreSQL's init script (deploy/k8s/postgres/init.yaml) against the local
server in a database of its own, then starts every service's storage as the ordinary role that
script creates (no superuser, one schema each) -- exactly what the pods do on their first start.
Skips when PostgreSQL or psql is not available."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.testing import POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER

ROOT = Path(__file__).resolve().parents[1]
INIT = ROOT / "deploy" / "k8s" / "postgres" / "init.yaml"


@pytest.fixture
def district_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    psycopg = pytest.importorskip("psycopg")
    if shutil.which("psql") is None:
        pytest.skip("psql not installed: the init script cannot be run")
    try:
        admin = psycopg.connect(host=POSTGRES_HOST, port=POSTGRES_PORT, user=POSTGRES_USER, dbname="postgres",
                                connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as e:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_HOST}:{POSTGRES_PORT} ({e.__class__.__name__})")
    name = f"slrt_k8s_{uuid.uuid4().hex[:10]}"  # database and role: roles are server-wide
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        (script,) = yaml.safe_load(INIT.read_text())["data"].values()
        env = {"PATH": os.environ["PATH"], "PGHOST": POSTGRES_HOST, "PGPORT": str(POSTGRES_PORT),
               "POSTGRES_USER": POSTGRES_USER, "POSTGRES_DB": name, "SLRT_POSTGRES_USER": name,
               "SLRT_POSTGRES_PASSWORD": "it's a 'quoted' pass"}
        result = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        yield {"dbname": name, "user": name}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'DROP ROLE IF EXISTS "{name}"')
        admin.close()


def settings_for(service: str, db: dict[str, str], tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(persistence="postgres", postgres_host=POSTGRES_HOST, postgres_port=POSTGRES_PORT,
                           postgres_user=db["user"], postgres_dbname=db["dbname"], postgres_schema=service,
                           district="1605", data_dir=tmp_path / service)


def test_the_app_role_is_no_superuser_and_owns_one_schema_per_service(district_database, tmp_path: Path) -> None:
    import psycopg

    with psycopg.connect(host=POSTGRES_HOST, port=POSTGRES_PORT, user=district_database["user"],
                         dbname=district_database["dbname"]) as conn:
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (False,)
        schemas = {r[0] for r in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE pg_get_userbyid(nspowner) = current_user")}
        assert schemas == {"intake", "dtks", "referral", "letters", "monitoring"}
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE public.stray (x int)")


def test_every_service_starts_on_it_as_the_app_role(district_database, tmp_path: Path) -> None:
    from slrt_dtks.main import build as build_dtks
    from slrt_intake.main import build as build_intake
    from slrt_letters.main import build as build_letters
    from slrt_monitoring.main import build as build_monitoring
    from slrt_referral.main import build as build_referral

    for service, build in (("intake", build_intake), ("dtks", build_dtks), ("referral", build_referral),
                           ("letters", build_letters), ("monitoring", build_monitoring)):
        build(settings_for(service, district_database, tmp_path), with_messaging=False)


def test_letters_archive_and_dtks_import_work_as_the_app_role(district_database, tmp_path: Path) -> None:
    """What the letters pods write (files table) and what the dtks-import Job does (a registry version)."""
    from slrt_dtks.application import DTKSApplication
    from slrt_dtks.adapters.synthetic import generate, write_csv
    from slrt_letters.application import LettersApplication

    letters = LettersApplication(settings_for("letters", district_database, tmp_path))
    stored = letters.files.put(uuid.uuid4(), "letter", b"%PDF-1.7 archived original")
    assert letters.files.get(str(stored["file"])).startswith(b"%PDF-")

    extract = tmp_path / "extract.csv"
    with extract.open("w", newline="") as out:
        write_csv(generate("1605", 50), out)
    dtks = DTKSApplication(settings_for("dtks", district_database, tmp_path))
    try:
        report = dtks.import_extract(extract)
        assert report.rows_loaded + report.rows_rejected == 50 and report.rows_loaded > 0
    finally:
        dtks.registry.close()
