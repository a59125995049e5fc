"""A known event history of one district (synthetic people only) and read stores on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from slrt_monitoring.adapters.synthetic import History, known_history
from slrt_runtime.settings import Persistence, ServiceSettings


@pytest.fixture
def history() -> History:
    return known_history()


def postgres_available() -> str | None:
    try:
        with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=2):
            return None
    except psycopg.OperationalError as e:
        return f"PostgreSQL not reachable at 127.0.0.1:5432 ({type(e).__name__})"


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServiceSettings]:
    """Settings of a monitoring service on SQLite, and on PostgreSQL in a schema of its own."""
    if request.param == "sqlite":
        yield ServiceSettings(district="1605", data_dir=tmp_path)
        return
    reason = postgres_available()
    if reason:
        pytest.skip(reason)
    base = f"mon_test_{uuid.uuid4().hex[:10]}"
    yield ServiceSettings(district="1605", persistence=Persistence.POSTGRES, postgres_dbname="postgres",
                          postgres_schema=base, data_dir=tmp_path)
    with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", autocommit=True) as conn:
        schemas = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"{base}%",)).fetchall()
        for (schema,) in schemas:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
