"""The commands an officer may take on a complaint from its page, and their request bodies.

Which commands a page offers is a convenience: the intake service decides. A command it refuses
comes back as a refusal that the page explains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slrt_contracts import Role

from ..domain.people import DESK_ROLES, SignedInUser

LEVEL_ROLES = {"puskesos": Role.PUSKESOS, "supervisor": Role.SUPERVISOR, "back_office": Role.BACK_OFFICE,
               "manager": Role.MANAGER, "front_office": Role.FRONT_OFFICE}


@dataclass(frozen=True)
class Command:
    name: str  # intake's /complaints/{id}/{name}

    def body(self, form: Mapping[str, Any]) -> dict[str, Any]:
        text = lambda key: (str(form.get(key) or "").strip() or None)  # noqa: E731
        if self.name == "answer":
            return {"answer": text("answer")}
        if self.name == "assess":
            programmes = [p for p in form.getlist("programmes_needed")] if hasattr(form, "getlist") else []
            return {"field": text("field"), "programmes_needed": programmes, "note": text("note")}
        if self.name == "consent":
            return {"consent_to_disclose": text("consent_to_disclose") == "yes"}
        if self.name in ("escalate", "appeal"):
            return {"reason": text("reason")}
        if self.name == "resolve":
            return {"outcome": text("outcome"), "satisfaction": text("satisfaction"), "note": text("note")}
        raise KeyError(self.name)


COMMANDS = {name: Command(name) for name in ("answer", "assess", "consent", "escalate", "resolve", "appeal")}


def offered(user: SignedInUser, complaint: Mapping[str, Any]) -> list[str]:
    """The commands that make sense for this user on this complaint now."""
    status, level = complaint.get("status"), complaint.get("level")
    desk = user.role in DESK_ROLES
    out: list[str] = []
    if desk and status in ("registered", "awaiting_assessment") and complaint.get("complaint_type") == "question":
        out.append("answer")
    if (desk or user.role is Role.BACK_OFFICE) and status == "awaiting_assessment":
        out.append("assess")
    handling = status in ("in_handling", "referred") and LEVEL_ROLES.get(level or "") is user.role
    if handling:
        out += ["escalate", "resolve"]
    if desk and status == "resolved":
        out.append("appeal")
    if desk and status not in ("closed",):
        out.append("consent")
    return out
