"""The programme catalogue (katalog program) the district SLRT manager maintains: which programme
a complaint can be referred to, who manages it, at what level, and how long its answer may take."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from slrt_contracts import Actor, Role, ServiceField
from slrt_contracts.agencies import AGENCY_NAMES
from slrt_contracts.events.referral import AgencyLevel
from slrt_runtime.errors import DomainError, NotFound, NotPermitted
from slrt_runtime.timestandards import InvalidTimeStandard, TimeStandard

_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/referral/catalogue")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
AGENCY = re.compile(r"^[a-z][a-z0-9-]{1,31}$")


class ProgrammeNotFound(NotFound):
    pass


class InvalidProgramme(DomainError):
    pass


class UnknownAgency(InvalidProgramme):
    """A programme must name an agency of the registry: its referrals go out on the agency's subject,
    and an unknown code would send them where no agency reads."""


@dataclass(frozen=True)
class Programme:
    code: str
    name: str
    agency: str
    agency_name: str
    level: AgencyLevel
    field: ServiceField
    answer_within: str
    """Time standard of the agency's answer, e.g. "5 working days" (see slrt_runtime.timestandards)."""
    eligibility: str = ""
    needs_personal_data: bool = False
    """The agency cannot serve the person without their identity (e.g. enrolment needs the NIK)."""
    active: bool = True

    def __post_init__(self) -> None:
        if not CODE.match(self.code):
            raise InvalidProgramme("programme code: 1-32 letters, digits or '-', starting with a letter or digit")
        if not AGENCY.match(self.agency):
            raise InvalidProgramme("agency code: 2-32 lower-case letters, digits or '-' (one NATS subject token)")
        if not self.name.strip() or not self.agency_name.strip():
            raise InvalidProgramme("programme and agency need a name")
        try:
            object.__setattr__(self, "level", AgencyLevel(self.level))
            object.__setattr__(self, "field", ServiceField(self.field))
            object.__setattr__(self, "answer_within", str(TimeStandard.parse(self.answer_within)))
        except InvalidTimeStandard as e:
            raise InvalidProgramme(str(e)) from None
        except ValueError as e:
            raise InvalidProgramme(str(e)) from None

    @property
    def time_standard(self) -> TimeStandard:
        return TimeStandard.parse(self.answer_within)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(level=self.level.value, field=self.field.value)
        return data


class Catalogue(Aggregate):
    """One catalogue per district: small (tens of programmes), changed rarely, read on every proposal."""

    @staticmethod
    def create_id(district: str, **_: object) -> UUID:  # type: ignore[override]
        return uuid5(_NS, district)

    @event("Opened")
    def __init__(self, district: str, programmes: list[dict[str, Any]], opened_by: Actor) -> None:
        self.district = district
        self._programmes = {p["code"]: p for p in programmes}

    def programme(self, code: str) -> Programme:
        data = self._programmes.get(code)
        if data is None:
            raise ProgrammeNotFound(f"no programme {code!r} in the catalogue")
        return Programme(**data)

    def programmes(self) -> list[Programme]:
        return [Programme(**p) for _, p in sorted(self._programmes.items())]

    def save_programme(self, programme: Programme, by: Actor) -> None:
        if by.role not in (Role.MANAGER, Role.ADMIN):
            raise NotPermitted("only the SLRT manager maintains the programme catalogue")
        if programme.agency not in AGENCY_NAMES:
            raise UnknownAgency(f"agency {programme.agency!r} is not in the agency registry; "
                                f"known: {', '.join(sorted(AGENCY_NAMES))}")
        if self._programmes.get(programme.code) == programme.as_dict():
            return  # nothing changed: no event
        self._programme_saved(programme=programme.as_dict(), saved_by=by)

    @event("ProgrammeSaved")
    def _programme_saved(self, programme: dict[str, Any], saved_by: Actor) -> None:
        self._programmes[programme["code"]] = programme
