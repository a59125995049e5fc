"""The prelist steps an officer may take on a proposal from the prelist page, and their bodies.

As with a complaint's commands, what the page offers is a convenience: the dtks service decides,
and a step it refuses comes back as a refusal the page explains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slrt_contracts import Role
from slrt_contracts.events.dtks import PrelistRejectReason

REASONS = tuple(r.value for r in PrelistRejectReason)


@dataclass(frozen=True)
class PrelistStep:
    name: str  # dtks's /prelist/proposals/{id}/{name}
    status: str  # the proposal's status the step is taken from
    roles: frozenset[Role]

    def body(self, form: Mapping[str, Any]) -> dict[str, Any]:
        approve = str(form.get("decision") or "") != "reject"
        reason = str(form.get("reason") or "").strip() or None
        note = str(form.get("note") or "").strip()
        if self.name == "verification":
            return {"result": "verified" if approve else "rejected", "reason": None if approve else reason,
                    "note": note}
        return {"approve": approve, "reason": None if approve else reason, "note": note}


STEPS = {s.name: s for s in (
    PrelistStep("review", "proposed", frozenset({Role.SUPERVISOR})),
    PrelistStep("recommendation", "reviewed", frozenset({Role.MANAGER})),
    PrelistStep("verification", "recommended", frozenset({Role.FACILITATOR, Role.PUSKESOS})),
)}
EXPORTERS = frozenset({Role.DTKS_OPERATOR, Role.MANAGER, Role.ADMIN})
DECIDERS = frozenset({Role.DTKS_OPERATOR, Role.ADMIN})


def step_for(role: Role, proposal: Mapping[str, Any]) -> PrelistStep | None:
    """The step this role takes on this proposal now, if any."""
    return next((s for s in STEPS.values() if s.status == proposal.get("status")
                 and (role in s.roles or role is Role.ADMIN)), None)

PROPOSERS = frozenset({Role.FRONT_OFFICE, Role.PUSKESOS, Role.FACILITATOR, Role.BACK_OFFICE, Role.ADMIN})


def proposal_body(form: Mapping[str, Any]) -> dict[str, Any]:
    """The prelist form → dtks's ProposalRequest (the ministry's basic profile); empty optional
    fields are left out, so the service's own validation names what is wrong."""
    text = lambda key: str(form.get(key) or "").strip()  # noqa: E731
    village = text("village")
    profile = {"nik": text("nik") or None, "name": text("name"), "sex": text("sex"), "birth_place": text("birth_place")
               or None, "birth_date": text("birth_date"), "address": text("address"),
               "family_card": text("family_card") or None,
               "household_members": int(text("household_members")) if text("household_members").isdigit() else 1}
    return {"region": {"district": village[:4], "subdistrict": village[:6], "village": village},
            "profile": {k: v for k, v in profile.items() if v is not None}, "note": text("note")}
