"""The DTKS adapter against the dtks service's own programme check (agreement 4), and its failures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from slrt_contracts import Role
from slrt_letters.adapters.dtks import DtksUnavailable, HttpDtks
from slrt_letters.application import LettersApplication
from slrt_letters.settings import LettersSettings
from slrt_letters.testing import PENGELOLA, person
from slrt_runtime.natsserver import free_port
from slrt_runtime.settings import ServiceSettings


@pytest.fixture
def dtks_client(tmp_path: Path) -> Iterator[TestClient]:
    dtks_main = pytest.importorskip("slrt_dtks.main", reason="the dtks service package is not installed")
    app = dtks_main.build(ServiceSettings(persistence="sqlite", data_dir=tmp_path / "dtks"), with_messaging=False,
                          seed_people=40)
    with TestClient(app, base_url="http://dtks") as client:
        yield client


def test_the_adapter_reads_the_dtks_programme_check(dtks_client: TestClient) -> None:
    token = dtks_client.post("/auth/dev-token", json={"sub": "op", "role": Role.DTKS_OPERATOR.value, "region": "1605"})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    sample = dtks_client.get("/registry/sample?limit=40", headers=headers)
    assert sample.status_code == 200, sample.text
    people = sample.json()
    adapter = HttpDtks(LettersSettings(dtks_url="http://dtks"), client=dtks_client)
    for someone in people[:5]:
        check = adapter.programme_check(someone["nik"])
        assert check.found and check.registry_version
        assert check.pbi_pusat == ("PBI-JK" in check.programmes)
        assert check.pbi_daerah == ("PBI-Daerah" in check.programmes)
    absent = "1605014101990009"
    assert absent not in {p["nik"] for p in people}
    assert adapter.programme_check(absent).found is False


def test_an_unreachable_dtks_is_a_clear_503_and_nothing_is_recorded(tmp_path: Path) -> None:
    settings = LettersSettings(persistence="memory", data_dir=tmp_path, dtks_url=f"http://127.0.0.1:{free_port()}")
    app = LettersApplication(settings, dtks=HttpDtks(settings, timeout=2))
    letter_id, _ = app.request_letter(actor=PENGELOLA, letter_type="sktm", fields=person())
    with pytest.raises(DtksUnavailable, match="not reachable") as refused:
        app.verify(letter_id, PENGELOLA)
    assert refused.value.status_code == 503
    assert app.get_letter(letter_id)["validation"] is None
