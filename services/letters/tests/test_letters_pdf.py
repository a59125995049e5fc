"""The letter on paper: every element the SOP requires, in Indonesian, with the office letterhead
and the QR link to the public verification page; sealed with a PAdES signature."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from slrt_letters.adapters.dtks import FakeDtks
from slrt_letters.adapters.signing import LetterSigner
from slrt_letters.application import LettersApplication
from slrt_letters.settings import LettersSettings
from slrt_letters.testing import KADIN, NIK, SEKDIN, ready_to_sign


def text_of(pdf: bytes) -> str:
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_fee_waiver_prints_population_data_purpose_hospital_date_and_signer(
        tmp_path: Path, dtks: FakeDtks, signer: LetterSigner) -> None:
    settings = LettersSettings(persistence="memory", data_dir=tmp_path, office_name="Dinas Sosial Kabupaten Lumajang",
                               office_city="Lumajang")
    app = LettersApplication(settings, dtks=dtks, signer=signer)
    letter = app.sign(ready_to_sign(app, "rec-health-fee-waiver"), SEKDIN)
    pdf = app.letter_pdf(letter["letter_id"])
    text = " ".join(text_of(pdf).split())
    for expected in ("DINAS SOSIAL KABUPATEN LUMAJANG", "SURAT REKOMENDASI KERINGANAN", letter["letter_number"],
                     "Siti Aminah", NIK, "Muara Beliti, 1 Januari 1990", "Perempuan", "Dusun II, Desa Lubuk Rumbai",
                     "Desa/kelurahan : Tegal Rejo, Tugumulyo, Kabupaten Musi Rawas (1605012003)",
                     "Berobat di rumah sakit", "Rumah sakit tujuan", "RSUD Dr. Sobirin", "Lumajang, ",
                     "a.n. Kepala Dinas Sosial", "Ratna Dewi, S.Sos, MM", "NIP. 19720315 199803 2 002", "Pindai untuk memeriksa keaslian",
                     f"/public/verify/{letter['letter_id']}"):
        assert expected in text, expected
    assert "Sekretaris Dinas Sosial Kabupaten Lumajang, dengan ini" in text and "Sosial Dinas Sosial" not in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert signer.verify(pdf).ok


def test_a_neglected_person_letter_prints_where_the_person_was_found(app: LettersApplication) -> None:
    letter = app.sign(ready_to_sign(app, "rec-neglected-ppks"), KADIN)
    text = " ".join(text_of(app.letter_pdf(letter["letter_id"])).split())
    assert "Lokasi ditemukan" in text and "Pasar Muara Beliti" in text and "Kepala Dinas Sosial" in text
