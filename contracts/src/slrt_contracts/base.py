"""Base of every integration event: versioned type, subject naming, the district it belongs to."""

from __future__ import annotations

import functools
import re
import string
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

DistrictCode = Annotated[str, Field(pattern=r"^\d{4}$", description="District/city code, e.g. 1605")]
SubdistrictCode = Annotated[str, Field(pattern=r"^\d{6}$", description="Sub-district (kecamatan) code")]
VillageCode = Annotated[str, Field(pattern=r"^\d{10}$", description="Village/ward (desa/kelurahan) code")]
AgencyCode = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9-]{1,31}$",
        description="Agency (OPD / programme manager) code; one subject token, e.g. dinkes",
    ),
]

@functools.cache
def _placeholders(pattern: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(pattern) if name)


SCHEMA_BASE = "https://slrt.example.id/contracts/schemas"
"""Where the JSON Schemas are published; `dataschema` points here (the files are checked in)."""


class Region(BaseModel):
    """Where the complaint happened: district → sub-district → village."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    district: DistrictCode
    subdistrict: SubdistrictCode
    village: VillageCode

    @model_validator(mode="after")
    def _nested(self) -> "Region":
        if not self.subdistrict.startswith(self.district):
            raise ValueError("subdistrict code must start with the district code")
        if not self.village.startswith(self.subdistrict):
            raise ValueError("village code must start with the sub-district code")
        return self


class ContractEvent(BaseModel):
    """An integration event: public, versioned, minimal.

    Consumers ignore fields they do not know, so adding an optional field is backward
    compatible; anything else is a new version published beside the old one.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_name: ClassVar[str]
    version: ClassVar[int] = 1
    producer: ClassVar[str]
    subject_pattern: ClassVar[str]
    """Python format string over the event's fields, e.g. ``slrt.{district}.intake.complaint.registered``."""
    entity_field: ClassVar[str]
    """The field whose value is the CloudEvents `subject` (the entity the event is about)."""

    district: DistrictCode

    @classmethod
    def ce_type(cls) -> str:
        return f"id.slrt.{cls.producer}.{cls.event_name}.v{cls.version}"

    @classmethod
    def schema_name(cls) -> str:
        return f"{cls.event_name}.v{cls.version}"

    @classmethod
    def dataschema(cls) -> str:
        return f"{SCHEMA_BASE}/{cls.schema_name()}.json"

    @classmethod
    def subject_wildcard(cls) -> str:
        """The subject filter matching this event type for every value of its placeholders (district, agency...)."""
        return re.sub(r"\{[a-z_]+\}", "*", cls.subject_pattern)

    def subject(self) -> str:
        # Only the placeholders' fields are dumped: the whole event was a tenth of the relay's time.
        return self.subject_pattern.format(**self.model_dump(mode="json", include=_placeholders(self.subject_pattern)))

    def entity_id(self) -> str:
        return str(getattr(self, self.entity_field))
