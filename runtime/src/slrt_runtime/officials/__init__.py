"""The office's officials, as configuration data of the district: who signs and initials letters
(Kadin, Sekdin, Kabid, Kasi: name, NIP, position) and the names of the officers at the desks.

One YAML file per district (``SLRT_DISTRICT_OFFICIALS``); without one, the built-in synthetic
officials of the embedded district (no real person). The file is checked when a service starts, so a
wrong NIP or a missing Kadin stops the start with the file and the field named, not a letter later.
Used by intake (the receipt's officer) and letters (the signature block, the public verification).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Unit = Literal["kadin", "sekdin", "kabid", "kasi"]
"""Signing units: the head signs, the secretary signs where the letter type allows, all three initial."""
REQUIRED_UNITS: tuple[Unit, ...] = ("kadin", "sekdin", "kabid", "kasi")


class OfficialsError(ValueError):
    """The district's officials file cannot be used; the message names the file and the field."""


class Official(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    unit: Unit
    name: str = Field(min_length=3, max_length=120, description="As printed, with titles")
    nip: str = Field(description="Nomor Induk Pegawai, 18 digits (spaces as printed are kept)")
    position: str = Field(min_length=3, max_length=200, description="Jabatan as printed under the signature")

    @field_validator("nip")
    @classmethod
    def _nip(cls, value: str) -> str:
        if not re.fullmatch(r"\d{18}", value.replace(" ", "")):
            raise ValueError("a NIP has 18 digits (e.g. 19700101 199503 1 001)")
        return value

    @property
    def nip_masked(self) -> str:
        """For public pages: a NIP begins with the official's birth date; the last digits tell it apart."""
        digits = self.nip.replace(" ", "")
        return "*" * 15 + digits[15:]


class Officer(BaseModel):
    """A desk officer whose account id the identity provider gives (the receipt prints the name)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=3, max_length=120)


class Officials(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    district: str = Field(pattern=r"^\d{4}$")
    officials: tuple[Official, ...]
    officers: tuple[Officer, ...] = ()

    @field_validator("officials")
    @classmethod
    def _every_unit_once(cls, value: tuple[Official, ...]) -> tuple[Official, ...]:
        units = [o.unit for o in value]
        if missing := [u for u in REQUIRED_UNITS if u not in units]:
            raise ValueError(f"no official for {', '.join(missing)}")
        if doubled := sorted({u for u in units if units.count(u) > 1}):
            raise ValueError(f"more than one official for {', '.join(doubled)}")
        return value

    def of(self, unit: Unit | str) -> Official:
        return next(o for o in self.officials if o.unit == unit)

    def officer_name(self, account_id: str) -> str | None:
        return next((o.name for o in self.officers if o.id == account_id), None)


BUILT_IN = "officials-1605.yaml"


def load_officials(path: Path | None, district: str) -> Officials:
    """The officials of ``district`` from ``path`` (None: the built-in synthetic ones)."""
    if path is None:
        return _built_in()
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise OfficialsError(f"district officials file {path}: cannot read it ({e.strerror})") from None
    except yaml.YAMLError as e:
        raise OfficialsError(f"district officials file {path}: not valid YAML ({e})") from None
    officials = _parse(raw, str(path))
    if officials.district != district:
        raise OfficialsError(f"district officials file {path} is for district {officials.district}, "
                             f"this deployment serves {district}")
    return officials


@cache
def _built_in() -> Officials:
    text = resources.files(__package__).joinpath(BUILT_IN).read_text(encoding="utf-8")
    return _parse(yaml.safe_load(text), BUILT_IN)


def _parse(raw: object, where: str) -> Officials:
    try:
        return Officials.model_validate(raw)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}" for err in e.errors())
        raise OfficialsError(f"district officials file {where}: {problems}") from None
