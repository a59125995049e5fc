"""A letter request checked before the Requested event exists: replaying a stored event never fails."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from slrt_contracts import Actor, InvalidNIK, check_nik_holder

from .catalogue import Catalogue, Element
from .errors import InvalidLetterRequest, UnknownLetterType
from .chain import OFFICERS
from .letter import Letter
_REGION = re.compile(r"^\d{4}(\d{2}(\d{4})?)?$")


def _text(value: str | None, what: str, *, required: bool, limit: int = 300) -> str | None:
    value = " ".join((value or "").split())
    if not value:
        if required:
            raise InvalidLetterRequest(f"{what} is needed: the letter prints it")
        return None
    if len(value) > limit:
        raise InvalidLetterRequest(f"{what} is longer than {limit} characters")
    return value


def applicant_of(letter_type: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """The applicant block the letter prints, checked against what the type's contents need."""
    nik = fields.get("nik") or None
    birth_date = fields.get("birth_date")
    if isinstance(birth_date, str):
        try:
            birth_date = dt.date.fromisoformat(birth_date)
        except ValueError:
            raise InvalidLetterRequest("birth_date must be a date (YYYY-MM-DD)") from None
    parts = None
    if nik is not None:
        # The NIK encodes the birth date and sex; a different one given means one of them is wrong
        # (the platform's one rule set, shared with intake).
        try:
            parts = check_nik_holder(nik, birth_date=birth_date, sex=fields.get("sex"))
        except InvalidNIK as e:
            raise InvalidLetterRequest(str(e)) from None  # the message never echoes the NIK
        birth_date = parts.birth_date
    elif letter_type.nik_required:
        raise InvalidLetterRequest(f"a {letter_type.title} needs the applicant's NIK")
    population = letter_type.needs(Element.POPULATION_DATA) and not letter_type.organisation
    if population and birth_date is None:
        raise InvalidLetterRequest("birth_date is needed when there is no NIK: the letter prints it")
    kk = fields.get("family_card_number") or None
    if kk is not None and not re.fullmatch(r"\d{16}", kk):
        raise InvalidLetterRequest("family_card_number (KK) is 16 digits")
    return {
        "nik": parts and nik,
        "name": _text(fields.get("citizen_name"), "the applicant's name", required=True, limit=200),
        "birth_place": _text(fields.get("birth_place"), "the place of birth", required=population, limit=100),
        "birth_date": birth_date.isoformat() if birth_date else None,
        "sex": parts.sex if parts else (str(fields["sex"]) if fields.get("sex") else None),
        "address": _text(fields.get("address"), "the address", required=letter_type.needs(Element.POPULATION_DATA)
                         or letter_type.needs(Element.APPLICANT_DATA), limit=300),
        "family_card_number": kk,
        "organisation": letter_type.organisation,
    }


def request_letter(catalogue: Catalogue, *, district: str, letter_type: str, fields: dict[str, Any],
                   requested_by: Actor, request_id: str | None = None) -> Letter:
    if letter_type not in catalogue:
        known = ", ".join(sorted(catalogue))
        raise UnknownLetterType(f"unknown letter type {letter_type!r}; known types: {known}")
    kind = catalogue[letter_type]
    if requested_by.role not in OFFICERS and requested_by.role.value != "admin":
        raise InvalidLetterRequest("letters are requested by the officer")
    region = fields.get("region") or district
    if not _REGION.match(region) or not region.startswith(district):
        raise InvalidLetterRequest(f"region {region!r} is not a region code inside district {district}")
    applicant = applicant_of(kind, fields)
    purpose = _text(fields.get("purpose"), "the purpose of the letter", required=True, limit=2000)
    destination = _text(fields.get("destination"), "the destination", required=False) or kind.default_destination
    found_location = _text(fields.get("found_location"), "the location where the person was found",
                           required=kind.needs(Element.FOUND_LOCATION), limit=500)
    sktm = fields.get("sktm")
    if sktm is not None:
        sktm = {k: (str(v) if v is not None else None) for k, v in sktm.items()
                if k in ("number", "nik", "name", "birth_date", "village_code")}
    kwargs = dict(district=district, region=region, letter_type=kind.code, applicant=applicant, purpose=purpose,
                  destination=destination, found_location=found_location, sktm=sktm, requested_by=requested_by,
                  complaint_id=fields.get("complaint_id"), receipt_number=fields.get("receipt_number"),
                  request_id=request_id)
    return Letter(**kwargs)  # type: ignore[arg-type]


def fingerprint(letter: Letter) -> tuple[Any, ...]:
    """What a retried request must repeat to be the same request."""
    return (letter.letter_type, letter.applicant.get("nik"), letter.applicant.get("name"), letter.purpose,
            letter.complaint_id)
