"""NIK (Nomor Induk Kependudukan), the 16-digit national identity number.

Layout PPRRSSDDMMYYXXXX: province, district, sub-district of registration, birth date
(day + 40 for women), serial. ``python-stdnum`` checks the length, the birth date and that the
district code exists; we add the parts we need downstream (sex, birth date, region).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field
from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.id import nik as stdnum_nik


class InvalidNIK(ValueError):
    """A NIK that cannot be right; the message says which part is wrong (never echoes the NIK)."""


@functools.lru_cache(maxsize=4096)
def _registration_place_known(district_code: str) -> bool:
    """Whether stdnum knows the province/district code PPRR (a few hundred exist: cached)."""
    try:
        stdnum_nik._check_registration_place(district_code)  # noqa: SLF001 - its table lookup, by code
    except InvalidComponent:
        return False
    return True


def _validate(number: str) -> None:
    """``stdnum.id.nik.validate`` of a compact number: the same checks in the same order, without
    compacting the number again (three times there, character by character) and with the district
    table's answer cached. Those made NIK validation most of the cost of decoding a complaint event."""
    if not (number.isascii() and number.isdigit()):
        raise InvalidFormat()
    if len(number) != 16:
        raise InvalidLength()
    # stdnum's get_birth_date: DDMMYY with day + 40 for women, in the 1900s or else the 2000s.
    day, month, year = int(number[6:8]) % 40, int(number[8:10]), int(number[10:12])
    try:
        dt.date(year + 1900, month, day)
    except ValueError:
        try:
            dt.date(year + 2000, month, day)
        except ValueError:
            raise InvalidComponent() from None
    if not _registration_place_known(number[:4]):
        raise InvalidComponent()


def validate_nik(value: str) -> str:
    """Return the compact NIK or raise :class:`InvalidNIK` with a reason a front office can act on."""
    number = value if value and value.isascii() and value.isdigit() else stdnum_nik.compact(value or "")
    try:
        _validate(number)
    except InvalidLength:  # a subclass of InvalidFormat: catch it first
        raise InvalidNIK("NIK must be exactly 16 digits") from None
    except InvalidFormat:
        raise InvalidNIK("NIK must contain digits only") from None
    except InvalidComponent:
        # Either the birth-date part or the region part; tell which.
        try:
            stdnum_nik.get_birth_date(number)
        except ValidationError:
            raise InvalidNIK(
                "NIK digits 7-12 are not a valid birth date (DDMMYY, day + 40 for women)"
            ) from None
        raise InvalidNIK("NIK digits 1-4 are not a known province/district code") from None
    day = int(number[6:8])
    # stdnum takes the day modulo 40, so it accepts 32-40 and 72-99; neither is a birth day.
    if not (1 <= day <= 31 or 41 <= day <= 71):
        raise InvalidNIK("NIK digits 7-8 must be the birth day: 01-31, or 41-71 for women")
    return number


@dataclass(frozen=True)
class NIKParts:
    district_code: str  # PPRR
    subdistrict_code: str  # PPRRSS
    birth_date: dt.date
    sex: str  # "F" or "M"


def nik_parts(value: str) -> NIKParts:
    number = validate_nik(value)
    day = int(number[6:8])
    return NIKParts(
        district_code=number[:4],
        subdistrict_code=number[:6],
        birth_date=stdnum_nik.get_birth_date(number),
        sex="F" if day > 40 else "M",
    )


def nik_date_digits(birth_date: dt.date, sex: str) -> str:
    """Digits 7-12 of the NIK of a person born on ``birth_date`` of ``sex`` ("F" or "M")."""
    return f"{birth_date.day + (40 if sex == 'F' else 0):02d}{birth_date.month:02d}{birth_date.year % 100:02d}"


def nik_contradictions(nik: str, *, birth_date: dt.date | None = None, sex: str | None = None) -> list[str]:
    """How a valid NIK disagrees with the birth date and sex given for its holder (empty: consistent).

    ``nik`` is a NIK already validated (:func:`validate_nik`). The one rule set of the platform: intake, letters and the DTKS registry refuse or flag the same
    contradictions with the same words. A typo in the date digits often still gives a valid NIK; a
    female day code (day + 40) with sex "M" given, or the reverse, is the other common slip. The
    messages name the digits, never the NIK or the values given.
    """
    # Digits 7-12 are all this reads: a compact NIK is not validated again (the registry import
    # checks a million, each already validated); anything else is validated first.
    number = nik if len(nik) == 16 and nik.isascii() and nik.isdigit() else validate_nik(nik)
    problems = []
    nik_sex = "F" if int(number[6:8]) > 40 else "M"
    if sex is not None and str(sex) != nik_sex:
        problems.append("the sex given does not match NIK digits 7-8 (birth day, + 40 for women)")
    if birth_date is not None and number[6:12] != nik_date_digits(birth_date, nik_sex):
        problems.append("NIK digits 7-12 do not match the birth date")
    return problems


def check_nik_holder(nik: str, *, birth_date: dt.date | None = None, sex: str | None = None) -> NIKParts:
    """The NIK's parts, or :class:`InvalidNIK` when it is invalid or contradicts what is given."""
    parts = nik_parts(nik)
    problems = nik_contradictions(nik, birth_date=birth_date, sex=sex)
    if problems:
        raise InvalidNIK("; ".join(problems))
    return parts


def mask_nik(nik: str | None) -> str | None:
    """The NIK as staff views show it: region and serial only."""
    return None if nik is None else f"{nik[:4]}{'*' * 8}{nik[-4:]}"


def _check(value: str) -> str:
    try:
        return validate_nik(value)
    except InvalidNIK as e:
        raise ValueError(str(e)) from None


NIK = Annotated[
    str,
    Field(max_length=24, description="16-digit NIK; spaces, dots and dashes are stripped"),
    AfterValidator(_check),
]
"""A validated NIK as a pydantic field type."""
