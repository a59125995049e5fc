"""Server-side HTML of the dashboards: tables and inline-SVG bar charts, nothing fetched from anywhere."""

from __future__ import annotations

from html import escape
from typing import Any

from ..domain.areas import area_label, named
from ..projections.timeline import LEVEL_LABELS, STATUS_LABELS

PALETTE = ("#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d")


def bars(title: str, values: dict[str, Any], labels: dict[str, str] | None = None) -> str:
    """A horizontal bar chart as inline SVG; suppressed cells ('<5') are drawn as 4 and marked."""
    labels = labels or {}
    items = sorted(values.items(), key=lambda kv: -_num(kv[1]))[:12]
    if not items:
        return f'<figure class="chart"><figcaption>{escape(title)}</figcaption><p class="empty">Belum ada data</p></figure>'
    top = max(_num(v) for _, v in items) or 1
    row, width = 22, 220
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="100%" viewBox="0 0 460 {row * len(items)}">']
    for i, (k, v) in enumerate(items):
        w = max(2, int(width * _num(v) / top))
        y = i * row
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(labels.get(k, k))[:30]}</text>'
                     f'<rect x="200" y="{y + 4}" width="{w}" height="14" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{205 + w}" y="{y + 15}" font-size="12">{escape(str(v))}</text>')
    parts.append("</svg>")
    return f'<figure class="chart"><figcaption>{escape(title)}</figcaption>{"".join(parts)}</figure>'


def table(title: str, header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    if not rows:
        body = f'<tr><td colspan="{len(header)}" class="empty">Belum ada data</td></tr>'
    return f"<section class=\"tbl\"><h3>{escape(title)}</h3><table><tr>{head}</tr>{body}</table></section>"


def _num(v: Any) -> int:
    return v if isinstance(v, int) else 4


def kpi(label: str, value: Any, key: str) -> str:
    return f'<div class="kpi" data-kpi="{escape(key)}"><b>{escape(str(value))}</b><span>{escape(label)}</span></div>'


def staff_fragment(d: dict[str, Any]) -> str:
    c, p, a, m, g = d["complaints"], d["proposals"], d["access"], d["complementarity"], d["gaps"]
    q, comp, letters = d["queues"], d["compliance"], d["letters"]
    return "".join([
        '<div class="kpis">',
        kpi("Pengaduan", c["total"], "complaints"), kpi("Selesai", c["closed"], "closed"),
        kpi("Dalam proses", sum(q["wip_by_level"].values()), "wip"),
        kpi("Lewat batas waktu", g["unanswered_past_deadline"], "overdue"),
        kpi("Rumah tangga (DTKS)", a["households"], "households"), "</div>",
        '<h2>1. Usulan pembaruan dan penambahan data penerima</h2><div class="grid">',
        bars("Hasil pemeriksaan DTKS", p["dtks_checks"]), bars("Usulan prelist per status", p["prelist_by_status"]),
        table("Usulan prelist (jenis, status)", ["Jenis", "Status", "Jumlah"], p["prelist"]), "</div>",
        '<h2>2. Akses program pusat dan daerah</h2><div class="grid">',
        bars("Rumah tangga per program", a["by_programme"]),
        bars("Program pusat / daerah", a["by_scope"], {"central": "Pusat", "regional": "Daerah"}),
        table("Rujukan per instansi dan program", ["Instansi", "Program", "Status", "Jumlah"], a["referrals"]),
        table("Hasil rujukan", ["Instansi", "Program", "Hasil", "Jumlah"], a["referral_outcomes"]), "</div>",
        '<h2>3. Komplementaritas dan tumpang tindih program</h2><div class="grid">',
        bars("Rumah tangga menurut jumlah program", m["households_by_programme_count"],
             {"0": "tanpa program", "1": "1 program", "2": "2 program", "3": "3 program", "4": "4+ program"}),
        bars("Kombinasi program", m["programme_pairs"]),
        kpi("PBI-JK dan PBI-Daerah sekaligus", m["pbi_double"], "pbi_double"), "</div>",
        '<h2>4. Kesenjangan</h2><div class="grid">',
        kpi("Desil rendah tanpa program", g["low_rank_no_programme"], "gap_low_rank"),
        kpi("Belum dijawab lewat batas waktu", g["unanswered_past_deadline"], "gap_overdue"),
        kpi("Belum terdaftar di DTKS", g["not_in_registry"], "gap_not_in_registry"),
        kpi("Belum punya NIK", g["no_nik"], "gap_no_nik"), "</div>",
        '<h2>Kepatuhan standar waktu</h2><div class="grid">',
        table("Lewat batas waktu (layanan, langkah, unit)", ["Layanan", "Langkah", "Unit", "Jumlah"], comp["overdue"]),
        table("Waktu penyelesaian langkah", ["Langkah", "Unit", "Selesai", "Rata-rata (jam)"], comp["durations"]),
        "</div>",
        '<h2>Antrian</h2><div class="grid">',
        bars("Dalam proses per tingkat", q["wip_by_level"], LEVEL_LABELS),
        bars("Terbuka per status", q["open_by_status"], STATUS_LABELS),
        table("Per wilayah", ["Kode wilayah", "Wilayah", "Pengaduan", "Dalam proses", "Selesai", "Lewat batas waktu"],
              named(q["by_area"])),
        table("Pengaduan terbuka terlama", ["Nomor resi", "Wilayah", "Status", "Tingkat", "Diterima"],
              [[r["receipt_number"], area_label(r["region"]), STATUS_LABELS.get(r["status"], r["status"]), r["level"],
                r["registered_at"][:16]] for r in q.get("oldest_open", [])]),
        "</div>",
        '<h2>Surat</h2><div class="grid">',
        table("Surat terbit per jenis dan kantor", ["Jenis", "Kantor", "Jumlah"], letters["issued"]),
        bars("Pengaduan per status", c["by_status"], STATUS_LABELS), bars("Pengaduan per bidang", c["by_field"]),
        "</div>",
    ])


def public_fragment(d: dict[str, Any]) -> str:
    rows = named([[code, v["complaints"], v["in_progress"], v["closed"]] for code, v in d["areas"].items()])
    t = d["total"]
    return "".join([
        '<div class="kpis">', kpi("Pengaduan", t["complaints"], "complaints"),
        kpi("Dalam proses", t["in_progress"], "wip"), kpi("Selesai", t["closed"], "closed"), "</div>",
        '<div class="grid">', bars("Per status", t["status"], STATUS_LABELS), bars("Per bidang", t["field"]), "</div>",
        table("Per wilayah", ["Kode wilayah", "Wilayah", "Pengaduan", "Dalam proses", "Selesai"], rows),
        f'<p class="note">Angka 1 sampai 4 ditampilkan sebagai "&lt;{d["suppressed_below"]}" agar tidak ada warga '
        "yang dapat dikenali.</p>",
    ])
