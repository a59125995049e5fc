"""What goes on the bus: the letter's progress, never the applicant's NIK or name."""

from __future__ import annotations

import uuid

from slrt_contracts import ParafStep, Role, decode, encode
from slrt_contracts.events import letters as c
from slrt_letters.application import LettersApplication
from slrt_letters.entrypoints.messaging import to_contract
from slrt_letters.testing import KABID, KADIN, KASI, NAME, NIK, PENGELOLA, SEKDIN, person


def events_of_a_letter_life(app: LettersApplication) -> list:
    """Every stored event of a letter returned once, issued and revoked, read back as the relay reads them."""
    complaint_id = uuid.uuid4()
    letter_id, _ = app.request_letter(actor=PENGELOLA, letter_type="rec-kis-pbid-enrolment",
                                      fields=person(complaint_id=complaint_id, receipt_number="RK-1605-26-000042"),
                                      documents_presented=["sktm", "kk"])
    app.check_documents(letter_id, PENGELOLA, {"ktp": True})
    app.draft(letter_id, PENGELOLA)
    app.initial(letter_id, KASI)
    app.return_for_revision(letter_id, KABID, "Perbaiki keperluan surat")
    app.draft(letter_id, PENGELOLA)
    for official in (KASI, KABID, SEKDIN):
        app.initial(letter_id, official)
    app.sign(letter_id, KADIN)
    app.revoke(letter_id, KADIN, "Diterbitkan atas data yang keliru")
    return [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 1000)]


def test_each_step_of_the_letter_becomes_its_contract_event(app: LettersApplication) -> None:
    contracts = [x for x in map(to_contract, events_of_a_letter_life(app)) if x is not None]
    assert [type(x).__name__ for x in contracts] == [
        "LetterRequested", "LetterDocumentsChecked", "LetterDocumentsChecked", "LetterValidated", "LetterInitialled",
        "LetterReturned", "LetterInitialled", "LetterInitialled", "LetterInitialled", "LetterSigned", "LetterIssued",
        "LetterRevoked"]
    requested = contracts[0]
    assert (requested.district, requested.region, requested.letter_type) == ("1605", "1605012003", "rec-kis-pbid-enrolment")
    assert {x.letter_id for x in contracts} == {requested.letter_id}
    assert {x.complaint_id for x in contracts} == {requested.complaint_id}
    first_check, second_check = contracts[1], contracts[2]
    assert (first_check.missing, first_check.complete) == (["ktp"], False)
    assert (second_check.presented, second_check.complete) == (["ktp"], True)
    initialled = [x for x in contracts if isinstance(x, c.LetterInitialled)]
    assert [x.step for x in initialled] == [ParafStep.KASI, ParafStep.KASI, ParafStep.KABID, ParafStep.SEKDIN]
    signed, issued = contracts[-3], contracts[-2]
    assert signed.signed_by.role is Role.KADIN and signed.subject() == "slrt.1605.letters.letter.signed"
    assert issued.letter_number == signed.letter_number and len(issued.document_sha256) == 64


def test_no_nik_and_no_name_ever_reach_the_bus(app: LettersApplication) -> None:
    for domain_event in events_of_a_letter_life(app):
        contract = to_contract(domain_event)
        if contract is None:
            continue
        subject, body, headers = encode(contract, event_id=str(uuid.uuid4()), time=domain_event.timestamp)
        on_the_wire = subject + body.decode() + repr(headers)
        for secret in (NIK, NAME, "Siti", "1605********0003", "Dusun II", "1605010101900001"):
            assert secret not in on_the_wire, f"{type(contract).__name__} leaks personal data"
        assert decode(headers, body) == contract  # and it is a valid contract event


def test_number_sequences_and_drafts_stay_private(app: LettersApplication) -> None:
    private = {type(e).__qualname__ for e in events_of_a_letter_life(app) if to_contract(e) is None}
    # Letter numbers come from a counter row in the command's transaction: no events of their own.
    assert private == {"Letter.Drafted", "BpjsBatch.Opened", "BpjsBatch.LetterAdded"}
