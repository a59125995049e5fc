"""Letter types as data: the catalogue file (``letter_types.yaml``) read into value objects.

The workflow asks the catalogue, never a list in code, which documents a type needs, which rules
validate it, who initials it in which order, who may sign it, what it prints and how long each step
may take. A district adds or adjusts a type by editing the YAML (or pointing
``SLRT_LETTERS_CATALOGUE`` at its own copy).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from slrt_contracts import ParafStep, Role
from slrt_contracts.events.letters import BpjsAction, LetterStep
from slrt_runtime.timestandards import TimeStandard

DEFAULT_PATH = Path(__file__).parents[1] / "letter_types.yaml"


class Element(StrEnum):
    """What a letter prints (the SOPs' 'letter_contents')."""

    POPULATION_DATA = "population_data"  # name, address, place and date of birth, NIK
    APPLICANT_DATA = "applicant_data"  # an organisation applying (UGB, PUB, LKSA): name and address
    PURPOSE = "purpose"
    DESTINATION = "destination"  # e.g. the hospital
    FOUND_LOCATION = "found_location"  # where a neglected person was found
    DATE_OF_ISSUE = "date_of_issue"
    SIGNATURE = "signature"


class Rule(StrEnum):
    DTKS_MATCH = "dtks_match"
    NO_DOUBLE_PBI = "no_double_pbi"
    SKTM_CONSISTENT = "sktm_consistent"


class CatalogueError(ValueError):
    """The catalogue file is wrong; the message names the type and the key."""


@dataclass(frozen=True)
class DocumentSpec:
    code: str
    name: str
    optional: bool = False


@dataclass(frozen=True)
class ValidationRule:
    rule: Rule
    blocking: bool = True
    mode: str | None = None  # no_double_pbi: not_enrolled (neither PBI) | not_both (not in both)


@dataclass(frozen=True)
class LetterType:
    code: str
    title: str
    kind: str
    source: Mapping[str, Any]
    documents: tuple[DocumentSpec, ...]
    validations: tuple[ValidationRule, ...]
    paraf_chain: tuple[ParafStep, ...]
    signers: tuple[Role, ...]
    approval_basis: str
    contents: tuple[Element, ...]
    time_standards: Mapping[LetterStep, TimeStandard]
    classification: str
    nik_required: bool = True
    organisation: bool = False
    destination_label: str | None = None
    default_destination: str | None = None
    bpjs_batch: BpjsAction | None = None
    applicant_notice: str | None = None
    output: str | None = None
    archive: str | None = None
    aliases: tuple[str, ...] = field(default=())

    @property
    def required_documents(self) -> tuple[DocumentSpec, ...]:
        return tuple(d for d in self.documents if not d.optional)

    def document(self, code: str) -> DocumentSpec | None:
        return next((d for d in self.documents if d.code == code), None)

    def needs(self, element: Element) -> bool:
        return element in self.contents

    @property
    def needs_destination(self) -> bool:
        return Element.DESTINATION in self.contents


class Catalogue(Mapping[str, LetterType]):
    def __init__(self, types: list[LetterType], not_letter_types: Mapping[str, str], path: Path) -> None:
        self.path = path
        self._types = {t.code: t for t in types}
        self._aliases = {alias: t.code for t in types for alias in t.aliases}
        self.not_letter_types = dict(not_letter_types)

    def __getitem__(self, code: str) -> LetterType:
        return self._types[self._aliases.get(code, code)]

    def __contains__(self, code: object) -> bool:
        return code in self._types or code in self._aliases

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)

    def covered_sources(self) -> set[str]:
        """Catalogue ids (services and Musi Rawas application types) that some letter type covers."""
        covered = set()
        for t in self._types.values():
            for key in ("service", "application_type"):
                if t.source.get(key):
                    covered.add(t.source[key])
        return covered


def _time_standards(raw: Mapping[str, str], where: str) -> dict[LetterStep, TimeStandard]:
    standards = {}
    for step in LetterStep:
        if step.value not in raw:
            raise CatalogueError(f"{where}: time_standards lacks step {step.value!r}")
        try:
            standards[step] = TimeStandard.parse(str(raw[step.value]))
        except ValueError as e:
            raise CatalogueError(f"{where}: {e}") from None
    unknown = set(raw) - {s.value for s in LetterStep}
    if unknown:
        raise CatalogueError(f"{where}: unknown time-standard steps {sorted(unknown)}")
    return standards


def _letter_type(raw: dict[str, Any], defaults: dict[str, Any]) -> LetterType:
    code = raw.get("code", "?")
    where = f"letter type {code!r}"
    try:
        approval = raw.get("approval") or defaults["approval"]
        documents = tuple(DocumentSpec(d["code"], d["name"], bool(d.get("optional", False)))
                          for d in raw.get("documents") or ())
        if len({d.code for d in documents}) != len(documents):
            raise CatalogueError(f"{where}: document codes repeat")
        validations = tuple(ValidationRule(Rule(v["rule"]), bool(v.get("blocking", True)), v.get("mode"))
                            for v in raw.get("validations") or ())
        for v in validations:
            if v.rule is Rule.NO_DOUBLE_PBI and v.mode not in ("not_enrolled", "not_both"):
                raise CatalogueError(f"{where}: no_double_pbi needs mode not_enrolled or not_both")
        identity = raw.get("identity", "nik_required")
        if identity not in ("nik_required", "nik_optional"):
            raise CatalogueError(f"{where}: identity must be nik_required or nik_optional")
        return LetterType(
            code=raw["code"],
            title=raw["title"],
            kind=raw["kind"],
            source=raw.get("source") or {},
            documents=documents,
            validations=validations,
            paraf_chain=tuple(ParafStep(s) for s in approval["paraf"]),
            signers=tuple(Role(r) for r in approval["signers"]),
            approval_basis=approval.get("basis", "office_default"),
            contents=tuple(Element(e) for e in raw.get("contents") or defaults["contents"]),
            time_standards=_time_standards(raw.get("time_standards") or defaults["time_standards"], where),
            classification=str(raw.get("classification") or defaults["classification"]),
            nik_required=identity == "nik_required",
            organisation=raw.get("applicant_kind") == "organisation",
            destination_label=raw.get("destination_label"),
            default_destination=raw.get("default_destination"),
            bpjs_batch=BpjsAction(raw["bpjs_batch"]) if raw.get("bpjs_batch") else None,
            applicant_notice=" ".join(raw["applicant_notice"].split()) if raw.get("applicant_notice") else None,
            output=raw.get("output"),
            archive=raw.get("archive") or defaults.get("archive"),
            aliases=tuple(raw.get("aliases") or ()),
        )
    except (KeyError, ValueError, TypeError) as e:
        if isinstance(e, CatalogueError):
            raise
        raise CatalogueError(f"{where}: {type(e).__name__}: {e}") from None


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    path = Path(path) if path else DEFAULT_PATH
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    defaults = data.get("defaults") or {}
    types = [_letter_type(raw, defaults) for raw in data["types"]]
    codes = [t.code for t in types] + [a for t in types for a in t.aliases]
    if len(set(codes)) != len(codes):
        raise CatalogueError(f"{path}: letter type codes or aliases repeat")
    for t in types:
        if t.kind not in ("recommendation_letter", "certificate", "registration_submission", "licence_recommendation"):
            raise CatalogueError(f"letter type {t.code!r}: unknown kind {t.kind!r}")
        if Role.KADIN not in t.signers and Role.SEKDIN not in t.signers:
            raise CatalogueError(f"letter type {t.code!r}: signed by the Kadin or the Sekdin only")
    return Catalogue(types, data.get("not_letter_types") or {}, path)


@lru_cache(maxsize=8)
def _cached(path: str | None) -> Catalogue:
    return load_catalogue(path)


_active: list[str | None] = [None]


def use_catalogue(path: Path | str | None) -> Catalogue:
    """Make the catalogue at ``path`` (None = built-in) the one letters of this process follow."""
    loaded = _cached(str(path) if path else None)
    _active[0] = str(path) if path else None
    return loaded


def catalogue(path: str | None = None) -> Catalogue:
    """The catalogue in use (or the one at ``path``), loaded once."""
    return _cached(path if path is not None else _active[0])
