"""The letter request form generated from the catalogue, its body for the letters API, what a page
offers each role, and the letters service's refusals in Indonesian."""

from __future__ import annotations

import pytest
from slrt_contracts import Role
from slrt_web.domain.letter_form import fields_of, offered, request_body
from slrt_web.domain.refusals import Refusal, explain
from slrt_web.entrypoints.i18n import gettext
from starlette.datastructures import FormData

FEE_WAIVER = {"code": "rec-health-fee-waiver", "contents": ["population_data", "purpose", "destination"],
              "validations": ["dtks_match", "no_double_pbi", "sktm_consistent"], "nik_required": True,
              "documents": [{"code": "sktm"}, {"code": "kk"}, {"code": "ktp"}]}
ORGANISATION = {"code": "rec-lksa-operating-permit", "contents": ["applicant_data", "purpose"], "validations": [],
                "nik_required": False, "documents": []}


def test_the_form_follows_what_the_letter_prints_and_checks() -> None:
    names = [f.name for f in fields_of(FEE_WAIVER)]
    assert names[:2] == ["nik", "citizen_name"] and "destination" in names and "sktm_number" in names
    assert "found_location" not in names
    assert [f.name for f in fields_of(ORGANISATION)] == ["citizen_name", "address", "purpose"]


def test_the_form_becomes_the_letters_body() -> None:
    form = FormData([("nik", "1605014101900003"), ("citizen_name", " Siti Aminah "), ("purpose", "Berobat"),
                     ("destination", ""), ("sktm_number", "470/12/2026"), ("documents", "kk"),
                     ("documents", "unknown"), ("receipt_number", "RK-1605-26-000001")])
    body = request_body(FEE_WAIVER, form, "7d0f0c1e-8a51-4b7e-9a43-0d9f8e4c2b11")
    assert body == {"letter_type": "rec-health-fee-waiver", "nik": "1605014101900003", "citizen_name": "Siti Aminah",
                    "purpose": "Berobat", "sktm": {"number": "470/12/2026", "nik": "1605014101900003"},
                    "receipt_number": "RK-1605-26-000001", "documents_presented": ["kk"],
                    "request_id": "7d0f0c1e-8a51-4b7e-9a43-0d9f8e4c2b11"}


def test_each_role_is_offered_its_own_step() -> None:
    letter = {"status": "awaiting_paraf", "paraf_chain": ["kasi", "kabid", "sekdin"], "signers": ["kadin"]}
    assert offered(Role.KASI, letter) == ["paraf", "return", "reject"]
    assert offered(Role.KADIN, letter) == ["sign", "return", "reject"]  # the service says "not yet" with its reason
    assert offered(Role.PENGELOLA, {**letter, "status": "verified"}) == ["draft", "reject"]
    assert offered(Role.KADIN, {**letter, "status": "issued"}) == ["revoke"]


@pytest.mark.parametrize(("detail", "expected"), [
    ("paraf Kasi is needed before Kabid", "Paraf Kasi harus diberikan lebih dulu, sebelum paraf Kabid."),
    ("letter needs paraf of Sekdin before signing", "Surat ini masih memerlukan paraf Sekdin sebelum ditandatangani."),
    ("actor's region 1606 does not cover this letter's region 1605012001",
     "Surat ini dari wilayah di luar wilayah kerja Anda (1606)."),
    ("documents missing, cannot verify the letter: Fotokopi KTP", "Dokumen belum lengkap: Fotokopi KTP."),
])
def test_letter_refusals_are_told_in_plain_indonesian(detail: str, expected: str) -> None:
    assert explain(Refusal.from_answer(409, {"detail": detail}), gettext) == expected
