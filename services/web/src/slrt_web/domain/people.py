"""Who is signed in, and what each role's pages are."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from slrt_contracts import Role

# The roles people sign in with. ``service`` is not one: it is the platform's own services' role.
WEB_ROLES = (Role.FRONT_OFFICE, Role.PUSKESOS, Role.FACILITATOR, Role.BACK_OFFICE, Role.SUPERVISOR, Role.MANAGER,
             Role.PENGELOLA, Role.KASI, Role.KABID, Role.SEKDIN, Role.KADIN, Role.DTKS_OPERATOR, Role.ADMIN,
             Role.AGENCY)
# Roles whose home is the staff dashboard (monitoring's figures, linked to the lists behind them).
DASHBOARD_ROLES = frozenset({Role.MANAGER, Role.ADMIN, Role.KADIN, Role.SEKDIN, Role.KABID, Role.KASI,
                             Role.SUPERVISOR})

# The intake work queue each role works (intake's /queues/{queue}); the desk roles also see the
# front-office queue of new complaints.
QUEUE_OF_ROLE = {
    Role.FRONT_OFFICE: "front-office",
    Role.PUSKESOS: "puskesos",
    Role.FACILITATOR: "front-office",
    Role.BACK_OFFICE: "back-office",
    Role.SUPERVISOR: "supervisor",
    Role.MANAGER: "manager",
}
DESK_ROLES = frozenset({Role.FRONT_OFFICE, Role.PUSKESOS})
# Who works letters: the officers who receive and draft them, and the officials who initial and sign.
LETTER_ROLES = frozenset({Role.PENGELOLA, Role.FRONT_OFFICE, Role.BACK_OFFICE, Role.MANAGER, Role.KASI, Role.KABID,
                          Role.SEKDIN, Role.KADIN})
LETTERS_ONLY = frozenset({Role.PENGELOLA, Role.KASI, Role.KABID, Role.SEKDIN, Role.KADIN})
REGISTERING_ROLES = frozenset({Role.FRONT_OFFICE, Role.PUSKESOS, Role.FACILITATOR})


@dataclass(frozen=True)
class SignedInUser:
    """Kept in the encrypted session cookie; ``token`` is the bearer the services authorise."""

    sub: str
    role: Role
    region: str
    token: str
    agency: str | None = None
    display_name: str | None = None
    refresh_token: str | None = None  # OpenID sign-in: renews ``token`` before ``expires_at`` (epoch s)
    expires_at: int | None = None

    def to_session(self) -> dict[str, Any]:
        return {**asdict(self), "role": self.role.value}

    @classmethod
    def from_session(cls, data: dict[str, Any] | None) -> "SignedInUser | None":
        if not data:
            return None
        try:
            return cls(**{**data, "role": Role(data["role"])})
        except (TypeError, ValueError, KeyError):
            return None  # an old or foreign cookie: sign in again

    @property
    def home(self) -> str:
        if self.role in DESK_ROLES:
            return "/desk"
        if self.role is Role.FACILITATOR:
            return "/field"
        if self.role in LETTERS_ONLY:
            return "/letters"  # a signer's letters page is their queue
        if self.role is Role.DTKS_OPERATOR:
            return "/dtks"
        if self.role in (Role.MANAGER, Role.ADMIN):
            return "/dashboard"
        if self.role is Role.AGENCY:
            return "/agency"
        return "/queues"

    @property
    def works_letters(self) -> bool:
        return self.role in LETTER_ROLES

    @property
    def has_work_queue(self) -> bool:
        return self.role not in LETTERS_ONLY and self.role not in (Role.DTKS_OPERATOR, Role.AGENCY)

    @property
    def queue(self) -> str:
        return QUEUE_OF_ROLE.get(self.role, "front-office")

    @property
    def sees_dashboard(self) -> bool:
        return self.role in DASHBOARD_ROLES

    @property
    def registers(self) -> bool:
        return self.role in REGISTERING_ROLES

    @property
    def works_complaints(self) -> bool:
        """Agencies see referrals only, never complaints (intake refuses them): no work queue."""
        return self.role is not Role.AGENCY

    @property
    def at_desk(self) -> bool:
        return self.role in DESK_ROLES
