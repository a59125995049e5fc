"""The Letter aggregate on its own: given a request, when a command, then its events or its refusal."""

from __future__ import annotations

import pytest
from slrt_contracts import ParafStep, Role
from slrt_letters.domain.catalogue import catalogue
from slrt_letters.domain import Letter, LetterIncomplete, request_letter, validate
from slrt_letters.domain.validation import ProgrammeCheck
from slrt_letters.testing import KABID, KADIN, KASI, PENGELOLA, SEKDIN, person, staff
from slrt_runtime.errors import InvalidTransition, NotPermitted


def requested(letter_type: str = "rec-kis-pbid-enrolment", **fields: object) -> Letter:
    return request_letter(catalogue(), district="1605", letter_type=letter_type, fields=person(**fields),
                          requested_by=PENGELOLA)


def verified(letter: Letter, check: ProgrammeCheck = ProgrammeCheck(found=True)) -> Letter:
    letter.record_validation(validate(letter.kind, letter.applicant, letter.sktm, check), PENGELOLA)
    return letter


def names(letter: Letter) -> list[str]:
    return [type(e).__name__ for e in letter.collect_events()]


def test_documents_validation_draft_paraf_and_signature_are_events_in_order() -> None:
    letter = requested()
    letter.check_documents({"sktm": True, "kk": True, "ktp": True}, PENGELOLA)
    verified(letter).draft(PENGELOLA)
    for step, official in ((ParafStep.KASI, KASI), (ParafStep.KABID, KABID), (ParafStep.SEKDIN, SEKDIN)):
        letter.initial(step, official)
    letter.sign("427.42/0001/Dinsos/2026", KADIN)
    letter.issue("a" * 64, "x/letter.pdf")
    assert names(letter) == ["Requested", "DocumentsChecked", "Validated", "Drafted", "Initialled", "Initialled",
                             "Initialled", "Signed", "Issued"]
    assert letter.status == "issued" and letter.current_step is None


def test_the_missing_documents_are_named_and_block_verification() -> None:
    letter = requested()
    letter.check_documents({"sktm": True}, PENGELOLA)
    with pytest.raises(LetterIncomplete) as refused:
        verified(letter)
    assert refused.value.missing == ["kk", "ktp"]
    assert names(letter) == ["Requested", "DocumentsChecked"]


def test_double_pbi_is_a_failed_validation_and_no_draft() -> None:
    letter = requested()
    letter.check_documents({"sktm": True, "kk": True, "ktp": True}, PENGELOLA)
    verified(letter, ProgrammeCheck(found=True, programmes=("PBI-Daerah",), pbi_daerah=True))
    assert letter.status == "validation_failed" and letter.validation["problems"] == ["pbi_double_registration"]
    with pytest.raises(InvalidTransition, match="already registered in PBI-Daerah"):
        letter.draft(PENGELOLA)


def test_only_the_officer_drafts_and_only_the_chain_initials() -> None:
    letter = verified(requested("sktm"))
    with pytest.raises(NotPermitted):
        letter.draft(KASI)
    letter.draft(PENGELOLA)
    with pytest.raises(NotPermitted, match="paraf Kasi is given by the Kasi"):
        letter.initial(ParafStep.KASI, KABID)
    adoption = requested("rec-child-adoption-permit")
    adoption.check_documents({"application_file": True}, PENGELOLA)
    verified(adoption).draft(PENGELOLA)
    with pytest.raises(InvalidTransition, match="takes no paraf of Kasi; its chain is Kabid"):
        adoption.initial(ParafStep.KASI, KASI)


def test_officials_of_another_region_are_refused_by_the_letter_itself() -> None:
    letter = verified(requested("sktm", region="1605012003"))
    with pytest.raises(NotPermitted, match="does not cover"):
        letter.draft(staff(Role.PENGELOLA, "1605022002"))  # another village's officer
    letter.draft(staff(Role.PENGELOLA, "1605012003"))  # the village's own officer
    with pytest.raises(NotPermitted, match="does not cover"):
        letter.initial(ParafStep.KASI, staff(Role.KASI, "1606"))
