"""The letter type's validations, as pure functions over the DTKS programme check and the request.

Rules (from the catalogue): ``dtks_match`` (the applicant is in the DTKS; blocking or only noted),
``no_double_pbi`` (mode ``not_enrolled``: a KIS PBI-Daerah enrolment needs someone in neither PBI-Daerah
nor PBI-Pusat; mode ``not_both``: never registered in both), ``sktm_consistent`` (the SKTM given agrees
with the applicant's civil-registry data: same NIK, same name, birth date of the NIK, and the DTKS's
own NIK consistency check).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from .catalogue import LetterType, Rule

NAME_SIMILARITY = 85
"""Names on an SKTM and a KTP differ in spelling (Muhamad / Muhammad); below this they are two people."""


@dataclass(frozen=True)
class ProgrammeCheck:
    """The answer of dtks's POST /registry/programme-check (agreement 4)."""

    found: bool
    programmes: tuple[str, ...] = ()
    pbi_pusat: bool = False
    pbi_daerah: bool = False
    registry_version: str | None = None
    welfare_decile: int | None = None
    nik_consistent: bool = True
    nik_problems: tuple[str, ...] = field(default=())

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> ProgrammeCheck:
        pbi = body.get("pbi") or {}
        consistency = body.get("nik_consistency") or {}
        programmes = tuple(body.get("programmes") or ())
        return cls(
            found=bool(body.get("found")),
            programmes=programmes,
            pbi_pusat=bool(pbi.get("pusat", "PBI-JK" in programmes)),
            pbi_daerah=bool(pbi.get("daerah", "PBI-Daerah" in programmes)),
            registry_version=body.get("registry_version"),
            welfare_decile=body.get("welfare_decile"),
            nik_consistent=bool(consistency.get("consistent", True)),
            nik_problems=tuple(str(p) for p in consistency.get("problems") or ()),
        )


def needs_dtks(kind: LetterType) -> bool:
    return any(v.rule in (Rule.DTKS_MATCH, Rule.NO_DOUBLE_PBI, Rule.SKTM_CONSISTENT) for v in kind.validations)


def validate(kind: LetterType, applicant: dict[str, Any], sktm: dict[str, Any] | None,
             check: ProgrammeCheck | None) -> dict[str, Any]:
    """The validation result stored on the letter: codes (published) and messages (staff only)."""
    problems: list[str] = []
    messages: list[str] = []
    notes: list[str] = []

    def fail(code: str, message: str, blocking: bool = True) -> None:
        if blocking:
            problems.append(code)
            messages.append(message)
        else:
            notes.append(message)

    for rule in kind.validations:
        if check is None:  # no NIK to check (nik_optional types)
            fail("no_nik_to_check", "no NIK: the DTKS checks cannot run", rule.blocking and rule.rule is not Rule.SKTM_CONSISTENT)
            continue
        if rule.rule is Rule.DTKS_MATCH and not check.found:
            fail("dtks_not_found", "the applicant is not in the DTKS", rule.blocking)
        elif rule.rule is Rule.NO_DOUBLE_PBI:
            enrolled = [name for name, yes in (("PBI-Pusat (PBI-JK)", check.pbi_pusat),
                                               ("PBI-Daerah", check.pbi_daerah)) if yes]
            if rule.mode == "not_enrolled" and enrolled:
                fail("pbi_double_registration",
                     f"already registered in {' and '.join(enrolled)}: no double PBI registration")
            elif rule.mode == "not_both" and len(enrolled) == 2:
                fail("pbi_double_registration", "registered in both PBI-Daerah and PBI-Pusat (PBI-JK)")
        elif rule.rule is Rule.SKTM_CONSISTENT:
            for code, message in _sktm_problems(applicant, sktm, check):
                fail(code, message, rule.blocking)
    return {
        "passed": not problems,
        "problems": sorted(set(problems)),
        "messages": messages,
        "notes": notes,
        "dtks_found": None if check is None else check.found,
        "programmes": [] if check is None else list(check.programmes),
        "registry_version": None if check is None else check.registry_version,
    }


def _sktm_problems(applicant: dict[str, Any], sktm: dict[str, Any] | None,
                   check: ProgrammeCheck) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if not check.nik_consistent:
        found.append(("nik_inconsistent", "civil-registry data do not agree with the NIK: "
                      + "; ".join(check.nik_problems or ("no detail",))))
    if not sktm:  # "where given": without SKTM details only the registry's own check applies
        return found
    if sktm.get("nik") and sktm["nik"] != applicant.get("nik"):
        found.append(("sktm_inconsistent", "the SKTM is for another NIK"))
    if sktm.get("name") and fuzz.token_sort_ratio(sktm["name"].lower(), (applicant.get("name") or "").lower()) < NAME_SIMILARITY:
        found.append(("sktm_inconsistent", "the name on the SKTM differs from the applicant's"))
    if sktm.get("birth_date") and applicant.get("birth_date") and sktm["birth_date"] != applicant["birth_date"]:
        found.append(("sktm_inconsistent", "the birth date on the SKTM differs from the NIK's"))
    return found
