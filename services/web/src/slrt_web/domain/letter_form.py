"""The request form of a letter, generated from the letter type in the letters catalogue
(``GET /letters/types``): which fields it asks, which documents it checks; and the form as the
letters API's body. The rules stay in the letters service: this only shapes the officer's typing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slrt_contracts import Role

from .refusals import N_


@dataclass(frozen=True)
class Field:
    name: str  # the API's field, the form's input
    label: str  # message id
    kind: str = "text"  # text | textarea | date | numeric
    required: bool = False
    hint: str | None = None


PERSON = (  # what a letter printing population data prints, so the letters service asks it
    Field("citizen_name", N_("Name (as on the KTP)"), required=True),
    Field("birth_place", N_("Place of birth"), required=True),
    Field("birth_date", N_("Birth date"), "date", hint=N_("Taken from the NIK when there is one.")),
    Field("address", N_("Address"), required=True),
    Field("family_card_number", N_("Family card number (KK)"), "numeric"),
    Field("region", N_("Village code of the applicant"), "numeric", hint=N_("10 digits; empty = the district.")),
)
ORGANISATION = (
    Field("citizen_name", N_("Name of the organisation"), required=True),
    Field("address", N_("Address"), required=True),
)
SKTM = (
    Field("sktm_number", N_("SKTM number")),
    Field("sktm_name", N_("Name on the SKTM")),
    Field("sktm_birth_date", N_("Birth date on the SKTM"), "date"),
)


def fields_of(kind: Mapping[str, Any]) -> list[Field]:
    """The form's fields for one letter type, from what its letter prints and what it checks."""
    contents = set(kind.get("contents") or ())
    organisation = "applicant_data" in contents and "population_data" not in contents
    fields: list[Field] = []
    if not organisation:
        fields.append(Field("nik", N_("NIK"), "numeric", required=bool(kind.get("nik_required"))))
    fields += ORGANISATION if organisation else PERSON
    fields.append(Field("purpose", N_("Purpose of the letter"), "textarea", required=True))
    if "destination" in contents:
        fields.append(Field("destination", N_("Destination (e.g. the hospital)")))
    if "found_location" in contents:
        fields.append(Field("found_location", N_("Where the person was found"), "textarea", required=True))
    if "sktm_consistent" in (kind.get("validations") or ()):
        fields += SKTM
    return fields


def request_body(kind: Mapping[str, Any], form: Mapping[str, Any], key: str | None) -> dict[str, Any]:
    """The form as ``POST /letters``: empty fields left out, the SKTM fields grouped, the documents
    ticked at the desk listed, and the form's own key as the request id."""
    text = lambda key: (str(form.get(key) or "").strip() or None)  # noqa: E731
    body: dict[str, Any] = {"letter_type": kind["code"]}
    for field in fields_of(kind):
        if not field.name.startswith("sktm_") and (value := text(field.name)) is not None:
            body[field.name] = value
    sktm = {k: v for k in ("number", "name", "birth_date") if (v := text(f"sktm_{k}")) is not None}
    if sktm:
        body["sktm"] = {**sktm, **({"nik": body["nik"]} if body.get("nik") else {})}
    for link in ("complaint_id", "receipt_number"):
        if value := text(link):
            body[link] = value
    codes = {d["code"] for d in kind.get("documents") or ()}
    presented = form.getlist("documents") if hasattr(form, "getlist") else []
    body["documents_presented"] = [c for c in presented if c in codes]
    if key:
        body["request_id"] = key
    return body


# Who does what on a letter (the letters service decides; this only chooses what a page offers).
OFFICERS = frozenset({Role.PENGELOLA, Role.FRONT_OFFICE, Role.BACK_OFFICE})
PARAF = frozenset({Role.KASI, Role.KABID, Role.SEKDIN})
SIGNERS = frozenset({Role.KADIN, Role.SEKDIN})
BATCH_STAFF = frozenset({Role.PENGELOLA, Role.KASI, Role.KABID})
CLOSED = ("rejected", "revoked", "issued", "signed")


def offered(role: Role, letter: Mapping[str, Any]) -> list[str]:
    """The commands that make sense for this role on this letter now."""
    status, out = letter["status"], []
    if role in OFFICERS:
        if status in ("requested", "documents_complete", "validation_failed", "returned"):
            out += ["documents", "verify"]
        if status in ("verified", "returned"):
            out.append("draft")
    if role in PARAF and status == "awaiting_paraf":
        out.append("paraf")
    if role in SIGNERS and status in ("awaiting_paraf", "awaiting_signature") and role.value in letter["signers"]:
        out.append("sign")
    in_chain = role in OFFICERS or role.value in letter["paraf_chain"] or role.value in letter["signers"]
    if in_chain and status in ("awaiting_paraf", "awaiting_signature"):
        out.append("return")
    if in_chain and status not in CLOSED:
        out.append("reject")
    if role in SIGNERS and status == "issued":
        out.append("revoke")
    return out
