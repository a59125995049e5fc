"""The registration form as the intake API's body. The rules stay in intake: this only shapes the
officer's typing (empty fields left out, the region derived from the village code)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from slrt_contracts import ComplaintType, ServiceField
from slrt_contracts.events.intake import ComplaintSource, Outcome, Satisfaction, Sex

IDENTITY_FIELDS = ("name", "birth_date", "sex", "address", "family_card_number", "complainant_name",
                   "complainant_relation")
CHOICES = {
    "complaint_type": [t.value for t in ComplaintType],
    "source": [s.value for s in ComplaintSource],
    "field": [f.value for f in ServiceField],
    "sex": [s.value for s in Sex],
    "outcome": [o.value for o in Outcome],
    "satisfaction": [s.value for s in Satisfaction],
}
PROGRAMMES = ("PKH", "BPNT", "PBI-JK", "PBI-Daerah", "KIP", "JAMKESDA", "RTLH")


def _clean(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def region_of(village: str | None) -> dict[str, str] | None:
    """A village code (10 digits) names its sub-district (6) and district (4)."""
    if village is None:
        return None
    code = re.sub(r"\D", "", village)
    return {"district": code[:4], "subdistrict": code[:6], "village": code}


def registration_body(form: Mapping[str, Any], *, complaint_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "complaint_type": _clean(form, "complaint_type"),
        "field": _clean(form, "field"),
        "region": region_of(_clean(form, "village")),
        "description": _clean(form, "description"),
    }
    for optional in ("source", "programme", "nik", "contact_phone"):
        if (value := _clean(form, optional)) is not None:
            body[optional] = value
    if complaint_id:
        body["complaint_id"] = complaint_id
    identity = {name: value for name in IDENTITY_FIELDS if (value := _clean(form, name)) is not None}
    consent = _clean(form, "consent_to_disclose") in ("on", "true", "1", "yes")
    if identity or consent or "nik" in body:
        if "nik" in body:
            identity["nik"] = body["nik"]
        identity["consent_to_disclose"] = consent
        body["identity"] = identity
    return body
