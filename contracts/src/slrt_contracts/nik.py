"""NIK (Nomor Induk Kependudukan), the 16-digit national identity number.

Layout PPRRSSDDMMYYXXXX: province, district, sub-district of registration, birth date
(day + 40 for women), serial. ``python-stdnum`` checks the length, the birth date and that the
district code exists; we add the parts we need downstream (sex, birth date, region).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field
from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.id import nik as stdnum_nik


class InvalidNIK(ValueError):
    """A NIK that cannot be right; the message says which part is wrong (never echoes the NIK)."""


def validate_nik(value: str) -> str:
    """Return the compact NIK or raise :class:`InvalidNIK` with a reason a front office can act on."""
    number = stdnum_nik.compact(value or "")
    try:
        stdnum_nik.validate(number)
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
