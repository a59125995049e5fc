"""The letter's business process, told on the aggregate: request, paraf up the chain, signature."""

from __future__ import annotations

import pytest
from slrt_contracts import Actor, ParafStep, Role
from slrt_letters.domain import LETTER_TYPES, Letter, letter_number
from slrt_runtime.errors import DomainError, InvalidTransition, NotPermitted

NIK = "1605014101900003"  # Musi Rawas, woman born 1 January 1990 (day + 40)


def staff(role: Role) -> Actor:
    return Actor(id=f"{role.value}-1605-01", role=role, region="1605")


PENGELOLA, KASI, KABID, SEKDIN, KADIN = (staff(r) for r in (Role.PENGELOLA, Role.KASI, Role.KABID,
                                                            Role.SEKDIN, Role.KADIN))


def requested_sktm(**overrides: object) -> Letter:
    fields: dict[str, object] = dict(
        district="1605", letter_type="sktm", nik=NIK, citizen_name="Siti Aminah",
        purpose="Berobat di RSUD Dr. Sobirin", requested_by=PENGELOLA,
    )
    fields.update(overrides)
    return Letter.request(**fields)  # type: ignore[arg-type]


def fully_initialled_sktm() -> Letter:
    letter = requested_sktm()
    letter.initial(ParafStep.KASI, KASI)
    letter.initial(ParafStep.KABID, KABID)
    letter.initial(ParafStep.SEKDIN, SEKDIN)
    return letter


def test_kasi_kabid_sekdin_initial_and_kadin_signs_a_requested_sktm() -> None:
    letter = requested_sktm()
    assert letter.status == "awaiting_paraf"

    letter.initial(ParafStep.KASI, KASI)
    letter.initial(ParafStep.KABID, KABID)
    letter.initial(ParafStep.SEKDIN, SEKDIN)
    assert letter.status == "awaiting_signature"

    letter.sign(letter_number("460", 1, "1605", 2026), KADIN)

    assert letter.status == "signed"
    assert letter.letter_number == "460/0001/SLRT-1605/2026"
    assert letter.signed_by == KADIN
    assert [(p.step, p.by) for p in letter.paraf] == [
        (ParafStep.KASI, KASI), (ParafStep.KABID, KABID), (ParafStep.SEKDIN, SEKDIN)]
    assert [type(e).__name__ for e in letter.collect_events()] == [
        "Requested", "Initialled", "Initialled", "Initialled", "Signed"]


def test_the_pbi_daerah_recommendation_follows_the_same_chain() -> None:
    assert LETTER_TYPES["rekomendasi-pbi-daerah"].paraf_chain == (ParafStep.KASI, ParafStep.KABID, ParafStep.SEKDIN)
    assert LETTER_TYPES["rekomendasi-pbi-daerah"].signers == (Role.KADIN,)
    letter = requested_sktm(letter_type="rekomendasi-pbi-daerah")
    with pytest.raises(InvalidTransition, match="paraf Kasi is needed before Kabid"):
        letter.initial(ParafStep.KABID, KABID)


def test_kabid_may_not_initial_before_kasi() -> None:
    letter = requested_sktm()
    with pytest.raises(InvalidTransition, match="paraf Kasi is needed before Kabid"):
        letter.initial(ParafStep.KABID, KABID)
    assert letter.paraf == []


def test_sekdin_may_not_skip_kabid() -> None:
    letter = requested_sktm()
    letter.initial(ParafStep.KASI, KASI)
    with pytest.raises(InvalidTransition, match="paraf Kabid is needed before Sekdin"):
        letter.initial(ParafStep.SEKDIN, SEKDIN)


def test_a_paraf_is_given_once() -> None:
    letter = requested_sktm()
    letter.initial(ParafStep.KASI, KASI)
    with pytest.raises(InvalidTransition, match="paraf Kasi was already given"):
        letter.initial(ParafStep.KASI, KASI)


@pytest.mark.parametrize("who", [KABID, PENGELOLA, KADIN, staff(Role.ADMIN)])
def test_only_the_kasi_gives_the_kasi_paraf(who: Actor) -> None:
    letter = requested_sktm()
    with pytest.raises(NotPermitted, match="paraf Kasi is given by the Kasi"):
        letter.initial(ParafStep.KASI, who)


def test_kadin_may_not_sign_before_all_paraf() -> None:
    letter = requested_sktm()
    letter.initial(ParafStep.KASI, KASI)
    letter.initial(ParafStep.KABID, KABID)
    with pytest.raises(InvalidTransition, match="letter needs paraf of Sekdin before signing"):
        letter.sign("460/0001/SLRT-1605/2026", KADIN)
    assert letter.letter_number is None


def test_an_unseen_letter_names_every_missing_paraf() -> None:
    with pytest.raises(InvalidTransition, match="needs paraf of Kasi and Kabid and Sekdin before signing"):
        requested_sktm().sign("460/0001/SLRT-1605/2026", KADIN)


def test_a_letter_is_signed_once() -> None:
    letter = fully_initialled_sktm()
    letter.sign("460/0001/SLRT-1605/2026", KADIN)
    with pytest.raises(InvalidTransition, match="already signed"):
        letter.sign("460/0002/SLRT-1605/2026", KADIN)
    with pytest.raises(InvalidTransition, match="already signed"):
        letter.initial(ParafStep.KASI, KASI)
    assert letter.letter_number == "460/0001/SLRT-1605/2026"


@pytest.mark.parametrize("who", [SEKDIN, PENGELOLA, staff(Role.ADMIN)])
def test_only_the_kadin_signs(who: Actor) -> None:
    with pytest.raises(NotPermitted, match="signed by role kadin"):
        fully_initialled_sktm().sign("460/0001/SLRT-1605/2026", who)


def test_an_unknown_letter_type_is_refused_with_the_known_ones() -> None:
    with pytest.raises(DomainError, match="unknown letter type 'surat-cinta'.*sktm") as refused:
        requested_sktm(letter_type="surat-cinta")
    assert refused.value.status_code == 422


@pytest.mark.parametrize("nik", ["12345", "1605013201900003", "9999014101900003"])
def test_an_invalid_nik_is_refused_without_echoing_it(nik: str) -> None:
    with pytest.raises(DomainError) as refused:
        requested_sktm(nik=nik)
    assert refused.value.status_code == 422
    assert nik not in str(refused.value)


def test_name_and_purpose_are_needed_for_the_letter() -> None:
    with pytest.raises(DomainError, match="name"):
        requested_sktm(citizen_name="   ")
    with pytest.raises(DomainError, match="purpose"):
        requested_sktm(purpose=" ")
