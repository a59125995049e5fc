"""A letter's business process through the application: documents, verification, draft, paraf,
signature, issuance; rejection, return for revision and revocation."""

from __future__ import annotations

import pytest
from slrt_letters.testing import KABID, KADIN, KASI, NIK, NIK_PBI_PUSAT, PENGELOLA, SEKDIN, person, ready_to_sign, staff
from slrt_contracts import Role
from slrt_letters.application import LettersApplication
from slrt_letters.domain import LetterIncomplete
from slrt_runtime.errors import DomainError, InvalidTransition, NotPermitted


def request(app: LettersApplication, letter_type: str, documents: list[str] | None = None, **fields):
    letter_id, created = app.request_letter(actor=PENGELOLA, letter_type=letter_type, fields=person(**fields),
                                            documents_presented=documents)
    assert created
    return letter_id


def test_every_catalogue_letter_type_can_be_requested(app: LettersApplication) -> None:
    for code, kind in app.catalogue.items():
        fields = {} if kind.nik_required else {"nik": None, "birth_date": "1990-01-01"}
        letter = app.get_letter(request(app, code, **fields))
        assert letter["letter_type"] == code
        assert letter["title"] == kind.title
        assert letter["paraf_chain"] == [s.value for s in kind.paraf_chain]
        assert letter["status"] in ("requested", "documents_complete")


def test_a_kis_pbid_enrolment_goes_from_the_desk_to_an_issued_signed_letter(app: LettersApplication) -> None:
    letter_id = request(app, "rec-kis-pbid-enrolment", documents=["sktm", "kk", "ktp"])
    letter = app.get_letter(letter_id)
    assert letter["status"] == "documents_complete"
    assert "BPJS" in letter["applicant_notice"] and "3 bulan" in letter["applicant_notice"]

    letter = app.draft(letter_id, PENGELOLA)
    assert letter["validation"]["passed"] and letter["validation"]["programmes"] == ["PKH"]
    assert (letter["status"], letter["next_step"]) == ("awaiting_paraf", "kasi")
    for official, next_step in ((KASI, "kabid"), (KABID, "sekdin"), (SEKDIN, "sign")):
        assert app.initial(letter_id, official)["next_step"] == next_step

    letter = app.sign(letter_id, SEKDIN)  # the SOP lets the Sekdin sign a KIS PBID letter
    assert letter["status"] == "issued"
    assert letter["letter_number"].startswith("427.42/0001/Dinsos/")
    assert len(letter["document_sha256"]) == 64
    assert app.letter_pdf(letter_id).startswith(b"%PDF-")


def test_incomplete_documents_block_the_letter_naming_what_is_missing(app: LettersApplication) -> None:
    letter_id = request(app, "rec-health-fee-waiver", documents=["sktm"])
    with pytest.raises(LetterIncomplete) as refused:
        app.draft(letter_id, PENGELOLA)
    assert refused.value.missing == ["kk", "ktp"]
    assert "Fotokopi Kartu Keluarga (KK)" in str(refused.value) and "Fotokopi KTP" in str(refused.value)
    assert refused.value.status_code == 409
    app.check_documents(letter_id, PENGELOLA, {"kk": True, "ktp": True})
    assert app.draft(letter_id, PENGELOLA)["status"] == "awaiting_paraf"


def test_a_pbi_double_registration_blocks_the_kis_letter(app: LettersApplication) -> None:
    letter_id = request(app, "rec-kis-pbid-enrolment", documents=["sktm", "kk", "ktp"], nik=NIK_PBI_PUSAT)
    letter = app.verify(letter_id, PENGELOLA)
    assert letter["status"] == "validation_failed"
    assert letter["validation"]["problems"] == ["pbi_double_registration"]
    with pytest.raises(InvalidTransition, match="already registered in PBI-Pusat"):
        app.draft(letter_id, PENGELOLA)
    # The same person may still get a fee waiver: there only a registration in both PBI blocks.
    waiver = request(app, "rec-health-fee-waiver", documents=["sktm", "kk", "ktp"], nik=NIK_PBI_PUSAT)
    assert app.draft(waiver, PENGELOLA)["status"] == "awaiting_paraf"


def test_an_sktm_of_someone_else_is_inconsistent(app: LettersApplication) -> None:
    letter_id = request(app, "spm-statement-of-poverty", documents=["sktm", "kk", "ktp"],
                        sktm={"number": "474/12/2026", "nik": NIK, "name": "Rahmat Hidayat"})
    letter = app.verify(letter_id, PENGELOLA)
    assert letter["validation"]["problems"] == ["sktm_inconsistent"]
    assert "the name on the SKTM differs" in letter["validation"]["messages"][0]


def test_wrong_order_paraf_and_signers_without_the_role_are_refused(app: LettersApplication) -> None:
    letter_id = request(app, "spm-statement-of-poverty", documents=["sktm", "kk", "ktp"])
    with pytest.raises(InvalidTransition, match="not drafted"):
        app.initial(letter_id, KASI)
    app.draft(letter_id, PENGELOLA)
    with pytest.raises(InvalidTransition, match="paraf Kasi is needed before Kabid"):
        app.initial(letter_id, KABID)
    app.initial(letter_id, KASI)
    with pytest.raises(InvalidTransition, match="paraf Kabid is needed before Sekdin"):
        app.initial(letter_id, SEKDIN)
    with pytest.raises(NotPermitted):
        app.initial(letter_id, staff(Role.KADIN))
    with pytest.raises(InvalidTransition, match="needs paraf of Kabid and Sekdin"):
        app.sign(letter_id, KADIN)
    # The repatriation letter is initialled by the Kabid alone and signed by the Kadin alone.
    repatriation = ready_to_sign(app, "neglected-person-repatriation")
    with pytest.raises(NotPermitted, match="signed by role kadin, not sekdin"):
        app.sign(repatriation, SEKDIN)
    with pytest.raises(NotPermitted, match="signed by role kadin"):
        app.sign(repatriation, staff(Role.ADMIN))
    assert app.sign(repatriation, KADIN)["status"] == "issued"


def test_a_returned_draft_goes_up_the_chain_again(app: LettersApplication) -> None:
    letter_id = request(app, "rec-health-fee-waiver", documents=["sktm", "kk", "ktp"])
    app.draft(letter_id, PENGELOLA)
    app.initial(letter_id, KASI)
    letter = app.return_for_revision(letter_id, KABID, "Nama rumah sakit tujuan keliru")
    assert (letter["status"], letter["paraf"]) == ("returned", [])
    with pytest.raises(InvalidTransition, match="not drafted"):
        app.initial(letter_id, KASI)
    revised = app.draft(letter_id, PENGELOLA, destination="RSUD Siti Aisyah",
                        corrections={"purpose": "Rawat inap di rumah sakit", "address": "Dusun III, Desa Lubuk Rumbai"})
    assert (revised["destination"], revised["purpose"]) == ("RSUD Siti Aisyah", "Rawat inap di rumah sakit")
    assert revised["applicant"]["address"] == "Dusun III, Desa Lubuk Rumbai"
    assert app.initial(letter_id, KASI)["next_step"] == "kabid"
    app.return_for_revision(letter_id, KABID, "Nama pemohon salah ketik")
    with pytest.raises(DomainError, match="cannot correct"):
        app.draft(letter_id, PENGELOLA, corrections={"citizen_name": "Siti Aminah Binti X"})


def test_a_rejected_letter_goes_no_further_and_an_issued_one_is_revoked_not_rejected(app: LettersApplication) -> None:
    letter_id = request(app, "sktm")
    app.draft(letter_id, PENGELOLA)
    letter = app.reject(letter_id, KASI, "Pemohon tidak berdomisili di kabupaten ini")
    assert letter["status"] == "rejected" and letter["rejection"]["step"] == "paraf"
    with pytest.raises(InvalidTransition, match="rejected"):
        app.initial(letter_id, KASI)
    issued = ready_to_sign(app, "sktm")
    app.sign(issued, KADIN)
    with pytest.raises(InvalidTransition, match="revoke"):
        app.reject(issued, KASI, "terlambat")
    with pytest.raises(NotPermitted):
        app.revoke(issued, KASI, "bukan penanda tangan")
    assert app.revoke(issued, KADIN, "Data pemohon keliru")["status"] == "revoked"


def test_requests_without_what_the_letter_prints_are_refused(app: LettersApplication) -> None:
    for fields, message in (({"nik": "1605019901900003"}, "NIK"), ({"address": " "}, "address"),
                            ({"nik": None}, "needs the applicant's NIK"), ({"region": "1606012001"}, "region"),
                            ({"birth_date": "1991-01-01"}, "birth date")):
        with pytest.raises(DomainError, match=message) as refused:
            request(app, "sktm", **fields)
        assert refused.value.status_code == 422
        assert "1605019901900003" not in str(refused.value)
    # Someone without NIK (the civil-registry recommendation) gives a birth date instead.
    letter_id = request(app, "rec-civil-registry", nik=None, birth_date="1990-01-01", destination=None)
    assert app.get_letter(letter_id)["destination"] == "Dinas Kependudukan dan Pencatatan Sipil"


def test_the_same_request_id_returns_the_same_letter(app: LettersApplication) -> None:
    fields = person()
    first, created = app.request_letter(actor=PENGELOLA, letter_type="sktm", fields=fields, request_id="desk-1-0001")
    again, created_again = app.request_letter(actor=PENGELOLA, letter_type="sktm", fields=fields, request_id="desk-1-0001")
    assert (first, created, created_again) == (again, True, False)
    with pytest.raises(InvalidTransition, match="already used"):
        app.request_letter(actor=PENGELOLA, letter_type="sktm", fields=person(purpose="Sekolah anak"),
                           request_id="desk-1-0001")
    assert NIK not in str(app.get_letter(first))
