"""The steps an officer may take on a referral from its page, and their request bodies.

As for complaints, what a page offers is a convenience: the referral service decides, and a step it
refuses comes back as a refusal the page explains. The manager is the SLRT secretariat here: the
referral service lets the manager (and the admin) approve, decline, revoke and redirect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slrt_contracts import Role

from ..domain.people import SignedInUser

PROPOSING_ROLES = frozenset({Role.FRONT_OFFICE, Role.BACK_OFFICE, Role.PUSKESOS, Role.SUPERVISOR, Role.MANAGER})
SECRETARIAT_ROLES = frozenset({Role.MANAGER})
WAITING_FOR_AGENCY = ("sent", "under_review")
REVOCABLE = ("sent", "under_review", "accepted")
REDIRECTABLE = (*REVOCABLE, "rejected")

# The agency's three answers, as the form names them → the API's decision.
DECISIONS = {"accept": "approved", "reject": "rejected", "review": "further_review"}
ACTIONS = ("approve", "decline", "revoke", "redirect", "accept", "reject", "review", "outcome")


def _text(form: Mapping[str, Any], key: str) -> str | None:
    return str(form.get(key) or "").strip() or None


def proposal_body(complaint_id: str, form: Mapping[str, Any]) -> dict[str, Any]:
    return {"complaint_id": complaint_id, "programme": _text(form, "programme"), "note": _text(form, "note")}


def command(action: str, form: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The referral service's endpoint and body of one step of the page (KeyError: no such step)."""
    if action == "approve":
        return "approve", None
    if action in ("decline", "revoke"):
        return action, {"reason": _text(form, "reason")}
    if action == "redirect":
        return "redirect", {"programme": _text(form, "programme"), "reason": _text(form, "reason"),
                            "note": _text(form, "note")}
    if action in DECISIONS:
        return "answer", {"decision": DECISIONS[action], "reason": _text(form, "reason")}
    if action == "outcome":
        return "outcome", {"outcome": _text(form, "outcome"), "note": _text(form, "note")}
    raise KeyError(action)


def offered(user: SignedInUser, referral: Mapping[str, Any]) -> list[str]:
    """The steps that make sense for this user on this referral now."""
    status = referral.get("status")
    out: list[str] = []
    if user.role in SECRETARIAT_ROLES:
        if status == "awaiting_approval":
            out += ["approve", "decline"]
        if status in REVOCABLE:
            out.append("revoke")
        if status in REDIRECTABLE:
            out.append("redirect")
    if user.role is Role.AGENCY and user.agency == referral.get("agency"):
        if status in WAITING_FOR_AGENCY:
            out += ["accept", "reject", "review"]
        if status == "accepted":
            out.append("outcome")
    return out
