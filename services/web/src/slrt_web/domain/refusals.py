"""A refused command, told in plain Indonesian.

The services answer refusals as RFC 9457 problem details (``application/problem+json``: ``detail``,
``error`` = the kind of refusal, and for a malformed request ``errors``, each ``{field, rule,
message}``) in English, written for developers. Officers see one sentence in Indonesian (from the message catalogue, so a district can
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
            errors = body.get("errors")
            if isinstance(errors, list):  # a malformed request: which field broke which rule
                fields = tuple((str(e.get("field") or "-"), str(e.get("message") or e.get("rule") or ""))
                               for e in errors if isinstance(e, dict))
                return cls(status, "; ".join(f"{f}: {m}" for f, m in fields), body.get("error") or "ValidationError",
                           fields)
            return cls(status, str(body.get("detail") or ""), body.get("error"))
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
    # letters
    (r"actor's region (?P<mine>\d+) does not cover this letter's region",
     N_("This letter belongs to a region outside your work area ({mine}).")),
    (r"paraf (?P<first>Kasi|Kabid|Sekdin) is needed before (?P<then>Kasi|Kabid|Sekdin)",
     N_("The paraf of the {first} comes first, before the paraf of the {then}.")),
    (r"paraf (?P<who>Kasi|Kabid|Sekdin) was already given", N_("The paraf of the {who} was already given.")),
    (r"paraf (?P<who>Kasi|Kabid|Sekdin) is given by the", N_("Only the {who} gives this paraf.")),
    (r"takes no paraf of", N_("This letter takes no paraf of your position.")),
    (r"gives no paraf", N_("Your position gives no paraf and no signature.")),
    (r"letter needs paraf of (?P<names>[\w ]+) before signing",
     N_("This letter still needs the paraf of {names} before it is signed.")),
    (r"is signed by role", N_("Your position does not sign this kind of letter.")),
    (r"not drafted yet", N_("The letter is not drafted yet: paraf and signature come after the draft.")),
    (r"is needed: the letter prints it", N_("Fill in every detail the letter prints (place of birth, address).")),
    (r"documents missing, cannot [\w ]+: (?P<names>.+)", N_("Documents missing: {names}.")),
    (r"must be verified before drafting", N_("Verify the letter before drafting it.")),
    (r"verification failed", N_("The checks did not pass; the letter cannot be drafted.")),
    (r"letter is already signed", N_("The letter is already signed.")),
    (r"letter was rejected", N_("The letter was rejected.")),
    (r"letter was revoked", N_("The letter was revoked.")),
    (r"only a drafted letter is returned", N_("Only a drafted letter can be returned for revision.")),
    (r"BPJS batch of [\d-]+ is already closed", N_("This month's BPJS batch is already closed.")),
    (r"the file is larger than", N_("The file is too large.")),
    (r"no letter", N_("No letter found.")),
    (r"unknown (?:village|sub-district|district|province) (?P<code>\d+): not in the region reference data",
     N_("Region {code} is not in the official region data (Kemendagri); choose the village by its name.")),
    (r"in the DTKS registry already|likely in DTKS already", N_("This person is in DTKS already: no proposal is needed.")),
    (r"already has an open prelist proposal", N_("This person has been proposed for DTKS already.")),
    (r"no such import here", N_("This import is no longer known; open the registry versions to see its result.")),
    (r"no such registry version", N_("This registry version is not known.")),
    (r"registry version \S+ is already the active one", N_("This registry version is the active one already.")),
    (r"registry version \S+ is no longer kept",
     N_("The data of this registry version is no longer kept; import its extract again instead.")),
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
