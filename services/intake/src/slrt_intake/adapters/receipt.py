"""The printed receipt (resi keluhan): registration number, date, office, queue number, what happens
next and how to check the status (QR code to the public tracking page). No personal data: the
receipt may be lost or photographed; the number is all the citizen needs."""

from __future__ import annotations

from uuid import UUID

from slrt_contracts import Actor, Channel, ComplaintType
from slrt_reference.regions import regions
from slrt_runtime.pdf import OfficeProfile, PdfDocument

from ..application import IntakeApplication

TYPE_NAMES = {ComplaintType.QUESTION: "Pertanyaan", ComplaintType.SUGGESTION: "Saran/usulan",
              ComplaintType.GRIEVANCE: "Pengaduan"}
CHANNEL_NAMES = {Channel.FRONT_OFFICE: "Front office Sekretariat SLRT", Channel.PUSKESOS: "Puskesos",
                 Channel.FACILITATOR: "Fasilitator SLRT di desa/kelurahan"}
FIELD_NAMES = {"health": "Kesehatan", "education": "Pendidikan", "social": "Sosial", "economy": "Ekonomi",
               "civil_registry": "Administrasi kependudukan"}

NEXT_STEPS = [
    "1. Petugas memeriksa data Anda di Data Terpadu Kesejahteraan Sosial (DTKS).",
    "2. Pertanyaan dijawab langsung; pengaduan lain dikaji dan ditangani sesuai jenjang: Puskesos, "
    "supervisor kecamatan, atau Sekretariat SLRT, dan bila perlu dirujuk ke instansi terkait dengan "
    "persetujuan manajer SLRT.",
    "3. Bila NIK/KK belum ada, Anda mendapat surat rekomendasi ke Dinas Dukcapil lebih dulu.",
    "4. Anda diberi tahu setiap ada perkembangan. Bila tidak puas dengan penyelesaiannya, Anda dapat "
    "mengajukan banding dalam batas waktu yang diberitahukan.",
    "Identitas Anda dirahasiakan dan hanya dibuka kepada pihak lain dengan persetujuan Anda.",
]


def receipt_pdf(app: IntakeApplication, complaint_id: UUID, actor: Actor) -> bytes:
    view = app.view(complaint_id, actor)  # same scoping as reading the complaint
    settings = app.settings
    tz = app.rules.timezone
    receipt = view["receipt_number"]
    office = OfficeProfile.from_settings(settings)
    doc = PdfDocument(f"Tanda Terima Pengaduan {receipt}", office)
    doc.heading("TANDA TERIMA PENGADUAN (RESI KELUHAN)")
    rows: list[tuple[str, object]] = [
        ("Nomor registrasi", receipt),
        ("Tanggal", view["registered_at"].astimezone(tz).strftime("%d-%m-%Y %H:%M")),
        ("Diterima di", f"{CHANNEL_NAMES[view['channel']]} ({office.unit}, {office.name})"),
        ("Wilayah", f"Desa/kelurahan {regions().label(view['region'].village)}"),
        ("Jenis", TYPE_NAMES[view["complaint_type"]]),
        ("Bidang", FIELD_NAMES.get(view["field"], view["field"])),
    ]
    if view["queue_number"]:
        rows.insert(2, ("Nomor antrean", f"{view['queue_number']:03d}"))
    doc.fields(rows)
    doc.subheading("Langkah selanjutnya")
    for line in NEXT_STEPS:
        doc.paragraph(line)
    doc.subheading("Cek status pengaduan")
    url = settings.public_tracking_url.format(receipt_number=receipt)
    doc.paragraph(f"Pindai kode QR atau buka alamat di bawah, atau tanyakan ke petugas dengan nomor {receipt}.")
    doc.qr(url, f"Status pengaduan {receipt}")
    # The officer's name as the district configured it; an account it does not name (a development
    # sign-in, a new officer) is signed for by the office, never with an account id.
    officer = app.officials.officer_name(view["registered_by"].id) or office.name
    doc.signature_block(f"{office.city}, {view['registered_at'].astimezone(tz):%d-%m-%Y}", "Petugas penerima", officer)
    return doc.render()
