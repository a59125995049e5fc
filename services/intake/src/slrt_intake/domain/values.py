"""Statuses, levels and who acts where."""

from __future__ import annotations

from enum import StrEnum

from slrt_contracts import Channel, Role
from slrt_contracts.events.intake import Level


class Status(StrEnum):
    REGISTERED = "registered"  # waiting for the DTKS check
    AWAITING_CIVIL_REGISTRY = "awaiting_civil_registry"  # no NIK: waits for the Dukcapil recommendation letter
    AWAITING_ASSESSMENT = "awaiting_assessment"  # review and analysis (kaji dan petakan)
    IN_HANDLING = "in_handling"  # at a level: Puskesos, supervisor, back office, manager
    REFERRED = "referred"  # at a level, with at least one referral open at an agency
    RESOLVED = "resolved"  # outcome recorded; the appeal window is open
    CLOSED = "closed"


OPEN_STATUSES = frozenset({Status.REGISTERED, Status.AWAITING_CIVIL_REGISTRY, Status.AWAITING_ASSESSMENT,
                           Status.IN_HANDLING, Status.REFERRED})
HANDLING_STATUSES = frozenset({Status.IN_HANDLING, Status.REFERRED})

LEVEL_ROLE: dict[Level, Role] = {
    Level.FRONT_OFFICE: Role.FRONT_OFFICE,
    Level.PUSKESOS: Role.PUSKESOS,
    Level.SUPERVISOR: Role.SUPERVISOR,
    Level.BACK_OFFICE: Role.BACK_OFFICE,
    Level.MANAGER: Role.MANAGER,
}
"""The role that acts for a level (the actor's region must also cover the complaint's region)."""

FIRST_LEVEL: dict[Channel, Level] = {
    # Handled where it happened: the secretariat's walk-ins go to its back office, village
    # complaints (Puskesos desk, facilitator) to the Puskesos (Kendari guide 2.7 and 3.5).
    Channel.FRONT_OFFICE: Level.BACK_OFFICE,
    Channel.PUSKESOS: Level.PUSKESOS,
    Channel.FACILITATOR: Level.PUSKESOS,
}

HANDLING_ROLES = frozenset({Role.FRONT_OFFICE, Role.PUSKESOS, Role.FACILITATOR, Role.BACK_OFFICE,
                            Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
"""Staff who handle complaints: with the region, they may see the confidential identity."""

REGISTERING_ROLES = (Role.FRONT_OFFICE, Role.PUSKESOS, Role.FACILITATOR)
DESK_ROLES = (Role.FRONT_OFFICE, Role.PUSKESOS)
"""Front desks: answer questions on the spot, assess (review and analysis), record appeals and consent."""

CHANNEL_OF_ROLE = {Role.FRONT_OFFICE: Channel.FRONT_OFFICE, Role.PUSKESOS: Channel.PUSKESOS,
                   Role.FACILITATOR: Channel.FACILITATOR}
