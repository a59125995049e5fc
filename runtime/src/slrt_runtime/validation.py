"""What is wrong with a malformed request: which field and which rule, never the value.

FastAPI's default answer echoes every refused ``input``: a mistyped NIK or a name would come back in
the error body (and be logged by whatever logs bodies), and a lone surrogate in the input cannot even
be encoded as the JSON answer (a 500). Only the location, the rule and its message are kept; the
answer itself is a problem+json (``problems.py``).

The region types below (:data:`KnownRegion`, :data:`KnownRegionCode`) are the one place where every
service refuses a region code that the reference data (``slrt_reference``) does not know.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError
from slrt_contracts import Region
from slrt_contracts.values import printable
from slrt_reference.regions import LEVEL_OF_LENGTH, Level, regions


def field_problems(errors: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """pydantic's errors as ``{field, location, rule, message}``."""
    problems = []
    for error in errors:
        # A loc may hold a client's dict key: printable() so that it can always be encoded.
        loc = [printable(part) if isinstance(part, str) else part for part in error.get("loc", ())]
        location = str(loc[0]) if loc else "body"
        field = ".".join(str(part) for part in loc[1:]) or location
        problems.append({"field": field, "location": location, "rule": str(error.get("type", "invalid")),
                         "message": printable(str(error.get("msg", "")))})
    return problems


# --- Region codes a request may name: only those in the platform's reference data -------------------
# Without this check an invented village (``1605999999``) is accepted, stored in events for ever and
# shown as a bare code on every page, receipt and report. Only requests are checked: events already
# stored keep loading even if a later release of the reference data drops a code.

_LEVEL_WORDS = {Level.PROVINCE: "province", Level.DISTRICT: "district", Level.SUBDISTRICT: "sub-district",
                Level.VILLAGE: "village"}


def unknown_region(code: str) -> str | None:
    """Why ``code`` (2, 4, 6 or 10 digits) is not a region of the reference data, or None when it is."""
    level = LEVEL_OF_LENGTH.get(len(code))
    if level is None:
        return "a region code has 2, 4, 6 or 10 digits"  # not echoed: it may be a NIK typed in the wrong field
    reference = regions()
    if reference.is_known(code, level):
        return None
    return (f"unknown {_LEVEL_WORDS[level]} {code}: not in the region reference data "
            f"(Kemendagri, {reference.version})")


def _known_code(code: str) -> str:
    if (problem := unknown_region(code)) is not None:
        # The code is no personal data: naming it tells the desk which one to correct.
        raise PydanticCustomError("unknown_region", problem)
    return code


def _known_region(region: Region) -> Region:
    _known_code(region.village)  # Region already checks that the codes above are its prefixes
    return region


KnownRegion = Annotated[Region, AfterValidator(_known_region)]
"""A complaint's or a proposal's district → sub-district → village, the village in the reference data."""

KnownRegionCode = Annotated[
    str, Field(pattern=r"^\d{2}(\d{2}(\d{2}(\d{4})?)?)?$", description="A region code of the reference data"),
    AfterValidator(_known_code)]
"""A province, district, sub-district or village code that the reference data knows."""
