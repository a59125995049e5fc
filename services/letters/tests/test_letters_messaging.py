"""What goes on the bus: the letter's progress, never the citizen's NIK or name."""

from __future__ import annotations

import uuid

from slrt_contracts import (
    Actor,
    LetterInitialled,
    LetterRequested,
    LetterSigned,
    ParafStep,
    Role,
    decode,
    encode,
)
from slrt_letters.application import LettersApplication
from slrt_letters.messaging import to_contract
from slrt_runtime.settings import ServiceSettings

NIK = "1605014101900003"
NAME = "Siti Aminah Binti Sulaiman"


def staff(role: Role) -> Actor:
    return Actor(id=f"{role.value}-1605-01", role=role, region="1605")


def signed_letter_events() -> list:
    """Every stored event of a signed letter, read back from the store as the relay reads them."""
    app = LettersApplication(ServiceSettings(persistence="memory"))
    complaint_id = uuid.uuid4()
    letter_id = app.request_letter(actor=staff(Role.PENGELOLA), letter_type="rekomendasi-pbi-daerah", nik=NIK,
                                   citizen_name=NAME, purpose="Pengajuan KIS PBID",
                                   complaint_id=complaint_id, receipt_number="RK-1605-26-000042")
    for role in (Role.KASI, Role.KABID, Role.SEKDIN):
        app.initial(letter_id, staff(role))
    app.sign(letter_id, staff(Role.KADIN))
    return [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 100)]


def test_each_step_of_the_letter_becomes_its_contract_event() -> None:
    contracts = [c for c in map(to_contract, signed_letter_events()) if c is not None]
    assert [type(c) for c in contracts] == [LetterRequested, LetterInitialled, LetterInitialled,
                                             LetterInitialled, LetterSigned]
    requested, *initialled, signed = contracts
    assert requested.district == "1605"
    assert requested.letter_type == "rekomendasi-pbi-daerah"
    assert requested.receipt_number == "RK-1605-26-000042"
    assert {c.letter_id for c in contracts} == {requested.letter_id}
    assert {c.complaint_id for c in contracts} == {requested.complaint_id}
    assert [c.step for c in initialled] == [ParafStep.KASI, ParafStep.KABID, ParafStep.SEKDIN]
    assert [c.initialled_by.role for c in initialled] == [Role.KASI, Role.KABID, Role.SEKDIN]
    assert signed.letter_number.startswith("460/0001/SLRT-1605/")
    assert signed.signed_by.role is Role.KADIN
    assert signed.subject() == "slrt.1605.letters.letter.signed"


def test_the_number_sequence_stays_private() -> None:
    private = [type(e).__qualname__ for e in signed_letter_events() if to_contract(e) is None]
    assert private and all(name.startswith("NumberSequence.") for name in private)


def test_no_nik_and_no_name_ever_reach_the_bus() -> None:
    for domain_event in signed_letter_events():
        contract = to_contract(domain_event)
        if contract is None:
            continue
        subject, body, headers = encode(contract, event_id=str(uuid.uuid4()), time=domain_event.timestamp)
        on_the_wire = subject + body.decode() + repr(headers)
        for secret in (NIK, NAME, "Siti", "1605********0003"):
            assert secret not in on_the_wire, f"{type(contract).__name__} leaks personal data"
        assert "nik" not in contract.model_dump() and "citizen_name" not in contract.model_dump()
        assert decode(headers, body) == contract  # and it is a valid contract event
