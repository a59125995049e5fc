"""No placeholder in a generated document: a signed letter and a complaint receipt carry the
configured officials (name, NIP, position; the desk officer's name or the office's), never
"(Nama ...)" or a development account id."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from slrt_intake.main import build as build_intake
from slrt_letters.adapters.dtks import FakeDtks
from slrt_letters.application import LettersApplication
from slrt_letters.settings import LettersSettings
from slrt_letters.testing import KADIN, NIK, ready_to_sign
from slrt_runtime.officials import load_officials
from slrt_runtime.settings import ServiceSettings

PLACEHOLDERS = ("(Nama", "Nama Kepala", "Nama Sekretaris", "dev-", "front_office")


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages).split())


def no_placeholder(text: str) -> None:
    for placeholder in PLACEHOLDERS:
        assert placeholder not in text, placeholder


def test_a_signed_letter_carries_the_kadin_name_nip_and_position(tmp_path: Path) -> None:
    dtks = FakeDtks()
    dtks.register(NIK, "PKH")
    app = LettersApplication(LettersSettings(persistence="memory", data_dir=tmp_path), dtks=dtks)
    letter = app.sign(ready_to_sign(app, "sktm"), KADIN)
    text = text_of(app.letter_pdf(letter["letter_id"]))
    kadin = load_officials(None, "1605").of("kadin")
    assert kadin.name in text and f"NIP. {kadin.nip}" in text and kadin.position in text
    no_placeholder(text)
    public = app.public_status(letter["letter_id"])["signed_by"]
    assert public["name"] == kadin.name and kadin.nip not in str(public)


@pytest.mark.parametrize("officer", ["front_office-1605-01", "dev-front_office-1605-a1b2c3"])
def test_a_receipt_carries_the_officer_name_or_the_office(officer: str) -> None:
    settings = ServiceSettings(persistence="memory", district="1605")
    with TestClient(build_intake(settings, with_messaging=False)) as client:
        token = client.post("/auth/dev-token", json={"sub": officer, "role": "front_office", "region": "1605"}).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        body = {"complaint_type": "grievance", "field": "health", "nik": NIK, "description": "Kartu KIS tidak aktif",
                "region": {"district": "1605", "subdistrict": "160501", "village": "1605012002"}}
        r = client.post("/complaints", json=body, headers=auth)
        assert r.status_code == 201, r.text
        pdf = client.get(r.json()["receipt_pdf_path"], headers=auth)
    text = text_of(pdf.content)
    named = load_officials(None, "1605").officer_name(officer)
    assert (named or settings.office_name) in text
    no_placeholder(text)
