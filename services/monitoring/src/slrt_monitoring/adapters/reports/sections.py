"""The monev report's content as plain tables, built from the dashboard figures — so the PDF, the
XLSX and the dashboard can only show the same numbers."""

from __future__ import annotations

from typing import Any

from ...domain.areas import named
from ...projections.timeline import LEVEL_LABELS, STATUS_LABELS

Section = tuple[str, list[str], list[list[Any]]]


def _pairs(values: dict[str, int], labels: dict[str, str] | None = None) -> list[list[Any]]:
    labels = labels or {}
    return [[labels.get(k, k), n] for k, n in sorted(values.items())]


def sections(d: dict[str, Any]) -> list[Section]:
    c, p, a, m, g = d["complaints"], d["proposals"], d["access"], d["complementarity"], d["gaps"]
    q, comp, letters = d["queues"], d["compliance"], d["letters"]
    return [
        ("Ringkasan", ["Indikator", "Jumlah"], [
            ["Pengaduan diterima", c["total"]], ["Pengaduan selesai", c["closed"]],
            ["Pengaduan dalam proses", sum(q["wip_by_level"].values())],
            ["Rumah tangga diperiksa di DTKS", a["households"]]]),
        ("Pengaduan per status", ["Status", "Jumlah"], _pairs(c["by_status"], STATUS_LABELS)),
        ("Pengaduan per bidang", ["Bidang", "Jumlah"], _pairs(c["by_field"])),
        ("1. Hasil pemeriksaan DTKS", ["Hasil", "Jumlah"], _pairs(p["dtks_checks"])),
        ("1. Usulan prelist", ["Jenis", "Status", "Jumlah"], p["prelist"]),
        ("2. Rumah tangga per program", ["Program", "Jumlah"], _pairs(a["by_programme"])),
        ("2. Program pusat dan daerah", ["Lingkup", "Jumlah"], _pairs(a["by_scope"])),
        ("2. Rujukan per instansi dan program", ["Instansi", "Program", "Status", "Jumlah"], a["referrals"]),
        ("2. Hasil rujukan", ["Instansi", "Program", "Hasil", "Jumlah"], a["referral_outcomes"]),
        ("3. Rumah tangga menurut jumlah program", ["Jumlah program", "Rumah tangga"],
         _pairs(m["households_by_programme_count"])),
        ("3. Kombinasi program", ["Kombinasi", "Rumah tangga"], _pairs(m["programme_pairs"])),
        ("3. Tumpang tindih PBI-JK dan PBI-Daerah", ["Indikator", "Jumlah"], [["Rumah tangga", m["pbi_double"]]]),
        ("4. Kesenjangan", ["Indikator", "Jumlah"], [
            ["Desil rendah tanpa program", g["low_rank_no_programme"]],
            ["Pengaduan belum dijawab lewat batas waktu", g["unanswered_past_deadline"]],
            ["Belum terdaftar di DTKS", g["not_in_registry"]], ["Belum punya NIK", g["no_nik"]]]),
        ("Kepatuhan: lewat batas waktu", ["Layanan", "Langkah", "Unit", "Jumlah"], comp["overdue"]),
        ("Kepatuhan: waktu penyelesaian", ["Langkah", "Unit", "Selesai", "Rata-rata (jam)"], comp["durations"]),
        ("Dalam proses per tingkat", ["Tingkat", "Jumlah"], _pairs(q["wip_by_level"], LEVEL_LABELS)),
        ("Per wilayah", ["Kode wilayah", "Wilayah", "Pengaduan", "Dalam proses", "Selesai", "Lewat batas waktu"],
         named(q["by_area"])),
        ("Surat terbit per jenis dan kantor", ["Jenis", "Kantor", "Jumlah"], letters["issued"]),
    ]
