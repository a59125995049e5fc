"""The shared document builder renders a readable A4 PDF with the letterhead, fields and a QR code."""

from __future__ import annotations

import io

from pypdf import PdfReader
from slrt_runtime.pdf import OfficeProfile, PdfDocument
from slrt_runtime.settings import ServiceSettings


def test_a_document_carries_letterhead_fields_and_link() -> None:
    office = OfficeProfile.from_settings(ServiceSettings(office_name="Dinas Sosial Kabupaten Contoh"))
    pdf = (
        PdfDocument("Tanda Terima Pengaduan", office)
        .heading("TANDA TERIMA PENGADUAN")
        .fields([("Nomor registrasi", "RK-1605-26-000042"), ("Catatan", "Tanda & <simbol> aman")])
        .table(["Langkah", "Waktu"], [["Pemeriksaan DTKS", "10 menit"]])
        .qr("http://127.0.0.1:8005/public/track/RK-1605-26-000042", "Pindai untuk melihat status")
        .signature_block("Muara Beliti, 23 November 2026", "Petugas", "fo-0001")
        .render()
    )
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "DINAS SOSIAL KABUPATEN CONTOH" in text
    assert "RK-1605-26-000042" in text and "Tanda & <simbol> aman" in text
    assert "public/track/RK-1605-26-000042" in text
    assert reader.metadata.title == "Tanda Terima Pengaduan"
