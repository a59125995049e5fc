"""A refused command, told in plain Indonesian.

The services answer refusals as ``{"detail": ..., "error": ...}`` in English, written for
developers. Officers see one sentence in Indonesian (from the message catalogue, so a district can
adjust it) chosen by the kind of refusal and, where the detail has a known form, its particulars.
The original detail is kept beside it, small, for the helpdesk.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Marks a message for the catalogue (pybabel extracts N_) without translating it here."""
    return message


@dataclass(frozen=True)
class Refusal:
    status: int
    detail: str
    error: str | None = None
    fields: tuple[tuple[str, str], ...] = ()  # (field, problem) of a 422 validation answer

    @classmethod
    def from_answer(cls, status: int, body: Any) -> "Refusal":
        if isinstance(body, dict):
            detail = body.get("detail")
            if isinstance(detail, list):  # FastAPI's validation errors: keep field and message only
                fields = tuple((".".join(str(p) for p in e.get("loc", ())[1:]) or "-", str(e.get("msg", "")))
                               for e in detail if isinstance(e, dict))
                return cls(status, "; ".join(f"{f}: {m}" for f, m in fields), "ValidationError", fields)
            return cls(status, str(detail or ""), body.get("error"))
        return cls(status, str(body or ""))


# (pattern of the service's detail, message id with {named} parts)
_KNOWN: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), m) for p, m in (
    (r"actor's region (?P<mine>\d+) does not cover (?:village )?(?P<theirs>\d+)",
     N_("Your work area ({mine}) does not include region {theirs}.")),
    (r"actor's region (?P<mine>\d+) does not cover this complaint's village",
     N_("This complaint belongs to a village outside your work area ({mine}).")),
    (r"role (?P<role>\w+) may not", N_("Your role may not take this step.")),
    (r"role (?P<role>\w+) has no", N_("Your role has no such work queue.")),
    (r"role (?P<role>\w+) does not read complaints", N_("Your role may not open complaints.")),
    (r"only a question is answered and closed at the desk",
     N_("Only a question can be answered and closed at the desk; this complaint must be assessed.")),
    (r"it can no longer be answered at the desk", N_("This complaint can no longer be answered at the desk.")),
    (r"DTKS check of this complaint has not come back",
     N_("The DTKS check has not come back yet; assess the complaint in a moment.")),
    (r"not awaiting assessment", N_("This complaint is not waiting for assessment.")),
    (r"not being handled at a level", N_("This complaint is not being handled at a level now.")),
    (r"the complaint is at the (?P<level>\w+) level", N_("This complaint is handled at another level.")),
    (r"is the highest of the district", N_("This is already the highest level of the district: resolve or refer it.")),
    (r"appeal period .*ended", N_("The appeal period of this complaint has ended.")),
    (r"only a resolved complaint can be appealed", N_("Only a resolved complaint can be appealed.")),
    (r"this SLRT serves district (?P<mine>\d+), not (?P<theirs>\d+)",
     N_("This SLRT serves district {mine}, not {theirs}.")),
    (r"registered outside your region", N_("This person is registered outside your work area.")),
    # referrals (the referral service's words)
    (r"agencies see only the referrals sent to them|this referral is addressed to",
     N_("This referral is not addressed to your agency.")),
    (r"does not cover this referral", N_("This referral belongs to a region outside your work area.")),
    (r"only the SLRT manager may", N_("Only the SLRT manager may take this step on a referral.")),
    (r"only the addressed agency answers", N_("Only the agency the referral is addressed to answers it.")),
    (r"referral has not been sent", N_("The manager has not approved this referral yet.")),
    (r"referral was already", N_("This referral was already decided or answered.")),
    (r"only a proposal awaiting approval", N_("Only a proposal awaiting approval can be declined.")),
    (r"referral cannot be (revoked|redirected)", N_("In its current state this referral cannot be revoked or redirected.")),
    (r"needs a reason", N_("Give a reason.")),
    (r"already has an open referral to (?P<programme>[\w-]+)",
     N_("This complaint already has an open referral to {programme}.")),
    (r"withdrawn from the catalogue", N_("This programme is withdrawn from the catalogue.")),
    (r"no programme .* in the catalogue", N_("Choose a programme of the catalogue.")),
    (r"not known to the referral service|referred after its registration and DTKS check",
     N_("The referral service has not received this complaint and its DTKS check yet; try again in a moment.")),
    (r"outcome is reported after accepting", N_("Accept the referral before reporting the outcome.")),
    (r"redirect goes to another programme", N_("Choose another programme than the referral's own.")),
    (r"referrals are proposed by the staff", N_("Your role may not take this step.")),
    (r"does not read referrals", N_("Your role may not open referrals.")),
    (r"inbox belongs to an agency", N_("Only an agency officer has a referral inbox.")),
    (r"no complaint", N_("No complaint found.")),
    (r"not found|unknown NIK|no person", N_("Not found in the registry.")),
))

_BY_STATUS = {
    401: N_("Your session has ended; please sign in again."),
    403: N_("You are not allowed to do this."),
    404: N_("Not found."),
    409: N_("This step is not possible in the complaint's current state."),
    422: N_("Some data is missing or not valid."),
    503: N_("The service is busy; please try again in a moment."),
}


def explain(refusal: Refusal, _: Gettext) -> str:
    """One Indonesian sentence for an officer (or a citizen); never a stack trace."""
    for pattern, message in _KNOWN:
        found = pattern.search(refusal.detail)
        if found:
            return _(message).format(**found.groupdict())
    return _(_BY_STATUS.get(refusal.status, N_("The service could not do this; please try again.")))
