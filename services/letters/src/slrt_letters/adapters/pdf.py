"""The letter as paper: the shared letterhead document (:mod:`slrt_runtime.pdf`) with the layout
of an Indonesian office letter: title and number, the applicant's population data, what the letter
is for and where it goes, place and date of issue, the signer, and a QR code to the public
verification page. Every element the letter type's ``contents`` lists is printed; nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Any

from slrt_reference.regions import regions
from slrt_runtime.officials import Official
from slrt_runtime.pdf import OfficeProfile, PdfDocument
from slrt_runtime.timestandards import WIB

from ..domain.catalogue import Element, LetterType

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
SEX = {"F": "Perempuan", "M": "Laki-laki"}
AREA_LABEL = {10: "Desa/kelurahan", 6: "Kecamatan"}  # the applicant's region, by the length of its code


def tanggal(day: dt.date) -> str:
    """A date as Indonesian letters write it: 5 Maret 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _merged(title: str, office: str) -> str:
    """'Kepala Dinas Sosial' + 'Dinas Sosial Kabupaten Lumajang' -> 'Kepala Dinas Sosial Kabupaten Lumajang'."""
    for size in range(min(len(title), len(office)), 0, -1):
        if title.endswith(office[:size]) and (size == len(office) or office[size] == " "):
            return title + office[size:]
    return f"{title} {office}"


def render_letter(*, kind: LetterType, office: OfficeProfile, letter: dict[str, Any], letter_number: str,
                  issued_at: dt.datetime, signer: Official, verification_url: str,
                  on_behalf_of: str | None = None) -> bytes:
    applicant = letter["applicant"]
    doc = PdfDocument(f"{kind.title} {letter_number}", office)
    doc.heading(kind.title.upper()).paragraph(f"Nomor: {letter_number}").spacer(3)
    doc.paragraph(f"Yang bertanda tangan di bawah ini, {_merged(signer.position, office.name)}, dengan ini "
                  + ("memberikan rekomendasi kepada:" if kind.kind != "certificate" else "menerangkan bahwa:"))
    doc.spacer(2)
    if kind.needs(Element.APPLICANT_DATA) or applicant.get("organisation"):
        doc.fields([("Nama lembaga / pemohon", applicant["name"]), ("Alamat", applicant.get("address") or "-")])
    if kind.needs(Element.POPULATION_DATA) and not applicant.get("organisation"):
        born = applicant.get("birth_date")
        birth = ", ".join(p for p in (applicant.get("birth_place"),
                                      tanggal(dt.date.fromisoformat(born)) if born else None) if p)
        rows: list[tuple[str, object]] = [
            ("Nama", applicant["name"]),
            ("NIK", applicant.get("nik") or "belum memiliki NIK"),
            ("Tempat, tanggal lahir", birth or "-"),
            ("Jenis kelamin", SEX.get(applicant.get("sex") or "", "-")),
            ("Alamat", applicant.get("address") or "-"),
        ]
        if (area := AREA_LABEL.get(len(letter.get("region") or ""))) is not None:  # not for the whole district
            rows.append((area, regions().label(letter["region"])))
        if applicant.get("family_card_number"):
            rows.append(("Nomor KK", applicant["family_card_number"]))
        doc.fields(rows)
    doc.spacer(2)
    rows = []
    if kind.needs(Element.FOUND_LOCATION) and letter.get("found_location"):
        rows.append(("Lokasi ditemukan", letter["found_location"]))
    if kind.needs(Element.PURPOSE):
        rows.append(("Keperluan", letter["purpose"]))
    if kind.needs(Element.DESTINATION) and letter.get("destination"):
        rows.append((kind.destination_label or "Tujuan", letter["destination"]))
    if rows:
        doc.fields(rows)
    doc.spacer(2)
    doc.paragraph("Demikian surat ini dibuat untuk dapat dipergunakan sebagaimana mestinya.")
    if kind.applicant_notice:
        doc.spacer(1).paragraph(f"Catatan: {kind.applicant_notice}", small=True)
    local = issued_at.astimezone(WIB).date()
    position = f"a.n. {on_behalf_of}, {signer.position}" if on_behalf_of else signer.position  # atas nama: for the head
    doc.signature_block(f"{office.city}, {tanggal(local)}", position, signer.name, space_mm=14, nip=signer.nip)
    doc.paragraph("Ditandatangani secara elektronik (tanda tangan digital PAdES).", small=True)
    doc.qr(verification_url, "Pindai untuk memeriksa keaslian surat ini", size_mm=26)
    return doc.render()

