"""Who did it: every command carries an actor, and every event records it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    FRONT_OFFICE = "front_office"  # SLRT secretariat front office (FO)
    PUSKESOS = "puskesos"  # village-level service centre officer
    FACILITATOR = "facilitator"  # fasilitator, field capture in the village
    BACK_OFFICE = "back_office"  # BO, per field
    SUPERVISOR = "supervisor"  # sub-district level
    MANAGER = "manager"  # district SLRT head; approves referrals
    AGENCY = "agency"  # OPD / programme manager answering referrals
    DTKS_OPERATOR = "dtks_operator"  # loads registry extracts
    PENGELOLA = "pengelola"  # officer handling a letter service
    KASI = "kasi"  # section head: first paraf
    KABID = "kabid"  # division head: second paraf
    SEKDIN = "sekdin"  # office secretary: last paraf
    KADIN = "kadin"  # head of office: signs
    ADMIN = "admin"
    SERVICE = "service"  # a platform service acting on an event


class Actor(BaseModel):
    """The authenticated person or service behind a command."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64, description="Staff or service account id")
    role: Role
    region: str = Field(
        pattern=r"^\d{2}(\d{2}(\d{2}(\d{4})?)?)?$",
        description="Region code the actor works for: province (2), district (4), "
        "sub-district (6) or village (10 digits)",
    )
    agency: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9-]{1,31}$", description="Agency code, for role=agency"
    )

    def covers(self, region_code: str) -> bool:
        """Whether the actor's region contains the given region (a village officer sees one village)."""
        return region_code.startswith(self.region)


def service_actor(service: str, district: str) -> Actor:
    return Actor(id=f"svc-{service}", role=Role.SERVICE, region=district)
