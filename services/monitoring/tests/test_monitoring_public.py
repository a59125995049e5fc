"""Public tracking and dashboard, monev reports and the national snapshot: the same figures as the
staff dashboard, small cells suppressed, and no personal data anywhere."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from slrt_monitoring.main import build
from slrt_monitoring.application.snapshot import snapshot
from slrt_monitoring.domain.periods import Period
from slrt_monitoring.application.public import suppress
from slrt_monitoring.adapters.reports.sections import sections
from slrt_monitoring.adapters.reports.xlsx import read_sections
from slrt_monitoring.adapters.synthetic import SECRET_COMPLAINANT, SECRET_NAME, SECRET_NIK, History
from slrt_runtime.settings import ServiceSettings

PERSONAL = (SECRET_NIK, SECRET_NAME, SECRET_COMPLAINANT, "Siti", "Dusun Sintetis", "fo-0012", "mgr-0001")


@pytest.fixture
def client(tmp_path: Path, history: History) -> TestClient:
    client = TestClient(build(ServiceSettings(district="1605", data_dir=tmp_path), with_messaging=False))
    client.app.state.view.projector.apply_batch(history.deliveries)
    return client


def auth(client: TestClient, role: str = "manager", region: str = "1605") -> dict[str, str]:
    token = client.post("/auth/dev-token", json={"sub": "staff-1", "role": role, "region": region}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def assert_no_personal_data(text: str) -> None:
    for secret in PERSONAL:
        assert secret not in text, f"personal data {secret!r} leaked"


def test_tracking_page_tells_the_whole_story_in_plain_indonesian(client: TestClient) -> None:
    r = client.get("/public/track/RK-1605-26-000001")
    body = r.json()
    assert body["status"] == "resolved" and body["status_label"] == "Pengaduan selesai ditangani"
    labels = [s["label"] for s in body["timeline"]]
    assert labels[0] == "Pengaduan diterima dan dicatat dengan nomor RK-1605-26-000001"
    assert "Disetujui manajer SLRT dan dirujuk ke Dinas Kesehatan" in labels
    assert "Dinas Kesehatan melaporkan hasil tindak lanjut rujukan" in labels
    assert labels[-1] == "Pengaduan selesai ditangani"
    assert_no_personal_data(r.text)
    assert client.get("/public/track/" + "X" * 40).status_code == 422


def test_small_cells_are_suppressed_on_the_public_dashboard(client: TestClient) -> None:
    assert [suppress(n) for n in (0, 1, 4, 5, 12)] == [0, "<5", "<5", 5, 12]
    body = client.get("/public/dashboard").json()
    assert body["total"]["complaints"] == 9
    areas = body["areas"]
    assert areas["160501"]["complaints"] == 7
    assert areas["160502"]["complaints"] == "<5"  # two complaints in that sub-district
    assert areas["160501"]["closed"] == "<5"
    village = client.get("/public/dashboard?region=160502").json()
    assert village["areas"]["1605022002"]["complaints"] == "<5"
    every_number = [v for area in areas.values() for v in _numbers(area)]
    assert all(v == 0 or v >= 5 for v in every_number if isinstance(v, int))
    page = client.get("/public/dashboard.html")
    assert page.status_code == 200 and "&lt;5" in page.text and "<svg" in page.text
    # Names from the region reference data beside the codes.
    assert body["region_name"] == "Kabupaten Musi Rawas (1605)" and areas["160501"]["name"] == "Tugumulyo"
    assert village["areas"]["1605022002"]["name"] == "Semangus"
    assert "wilayah Kabupaten Musi Rawas (1605)" in page.text
    assert "<td>160501</td><td>Tugumulyo</td>" in page.text and "<td>Muara Lakitan</td>" in page.text
    assert_no_personal_data(page.text + json.dumps(body))
    assert client.get("/public/dashboard?region=abc").status_code == 422


def _numbers(cell: object) -> list[object]:
    if isinstance(cell, dict):
        return [x for v in cell.values() for x in _numbers(v)]
    return [cell]


def test_monev_reports_show_the_dashboard_figures(client: TestClient) -> None:
    headers = auth(client)
    figures = client.get("/dashboard/data?period=2026-Q4", headers=headers).json()
    xlsx = client.get("/reports/monev.xlsx?period=2026-Q4", headers=headers)
    assert xlsx.status_code == 200
    in_xlsx = read_sections(xlsx.content)
    expected = {name: [list(r) for r in rows] for name, _, rows in sections(figures)}
    assert in_xlsx == {k: v for k, v in expected.items() if v}
    assert ["Desil rendah tanpa program", 1] in in_xlsx["4. Kesenjangan"]
    assert in_xlsx["Per wilayah"][0][:3] == ["160501", "Tugumulyo", 7]
    pdf = client.get("/reports/monev.pdf?period=2026-Q4", headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Laporan Monev SLRT 2026-Q4" in text and "Kombinasi program" in text
    assert "PBI-Daerah+PBI-JK" in text
    assert "Wilayah Kabupaten Musi Rawas (1605)" in text and "Tugumulyo" in text
    assert_no_personal_data(text + json.dumps(in_xlsx, default=str))
    assert client.get("/reports/monev.pdf?period=2026-Q9", headers=headers).status_code == 422


def test_staff_views_are_scoped_to_the_actors_region(client: TestClient) -> None:
    village_officer = auth(client, role="puskesos", region="1605022002")
    assert client.get("/dashboard/data", headers=village_officer).json()["complaints"]["total"] == 2
    assert client.get("/dashboard/data?region=1605", headers=village_officer).status_code == 403
    assert client.get("/reports/monev.xlsx?region=160501", headers=village_officer).status_code == 403
    assert client.get("/dashboard/data", headers=auth(client, role="agency")).status_code == 403
    assert client.get("/dashboard/data").status_code == 401
    staff_page = client.get("/dashboard/fragment", headers=auth(client))
    assert "RK-1605-26-000005" in staff_page.text  # receipt numbers in the staff queue, nothing personal
    assert_no_personal_data(staff_page.text)


def test_national_snapshot_has_counts_only_and_no_small_cells(client: TestClient) -> None:
    event = snapshot(client.app.state.view.store, "1605", Period.parse("2026"))
    cells = {(c.metric, c.key, c.region): c for c in event.cells}
    assert cells[("complaints", "all", "1605")].count == 9
    assert cells[("complaints", "all", "160502")].suppressed and cells[("complaints", "all", "160502")].count is None
    assert all(c.count is None or c.count == 0 or c.count >= 5 for c in event.cells)
    assert all(len(c.region) in (4, 6) for c in event.cells)  # never a village
    assert_no_personal_data(event.model_dump_json())
