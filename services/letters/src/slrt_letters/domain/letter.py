"""The Letter aggregate: one letter for one applicant, through the SOP's steps.

requested -> documents checked against the type's checklist -> validated (DTKS match, no double PBI,
SKTM consistent) -> drafted -> paraf in the catalogue's order -> signed (the number is taken here,
never before, so abandoned drafts leave no hole in the register) -> issued (rendered, digitally
signed, archived); rejected or returned for revision at any step before signature; an issued letter
can be revoked. The letter type's rules come from the catalogue, not from this code.
Here: the request, the documents, the verification and the draft; the paraf chain, signature, issuance,
rejection and return are in :mod:`.chain`, revocation, missed steps and BPJS in :mod:`.tracking`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event
from slrt_contracts import Actor, ParafStep, Role
from slrt_contracts.nik import nik_parts
from slrt_contracts.events.letters import LetterStep
from slrt_runtime.errors import InvalidTransition, NotPermitted

from .catalogue import LetterType, catalogue
from .chain import OFFICERS, LetterChain
from .errors import InvalidLetterRequest, LetterIncomplete
from .events import V1_TYPES, LetterEvent
from .tracking import LetterTracking

CORRECTABLE = frozenset({"purpose", "found_location", "address", "birth_place"})
"""What a revised draft may correct."""


_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/letters/request")


def letter_id_for(district: str, request_id: str) -> UUID:
    """The letter's id derived from the client's request id: a retried POST finds the same letter."""
    return uuid5(_NS, f"{district}:{request_id}")


class Letter(LetterChain, LetterTracking, Aggregate):
    """Applicant data (NIK, name...) is kept because the letter prints it; it stays in this service's
    store and never goes on the bus (see :mod:`slrt_letters.entrypoints.messaging`)."""

    @staticmethod
    def create_id(district: str, request_id: str | None = None) -> UUID:  # type: ignore[override]
        return letter_id_for(district, request_id) if request_id else uuid4()

    class Requested(Aggregate.Created):
        """v1 (before the catalogue) carried ``nik`` and ``citizen_name`` and no region or contents."""

        class_version = 2
        district: str
        region: str
        letter_type: str
        applicant: dict[str, Any]
        purpose: str
        destination: str | None
        found_location: str | None
        sktm: dict[str, Any] | None
        requested_by: Actor
        complaint_id: UUID | None
        receipt_number: str | None
        request_id: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            nik, name = state.pop("nik"), state.pop("citizen_name")
            state["letter_type"] = V1_TYPES.get(state["letter_type"], state["letter_type"])
            born = nik_parts(nik)
            state["applicant"] = {"nik": nik, "name": name, "birth_place": None, "sex": born.sex,
                                  "birth_date": born.birth_date.isoformat(), "address": None,
                                  "family_card_number": None, "organisation": False}
            state.update(region=state["district"], destination=None, found_location=None, sktm=None, request_id=None)

    @event(Requested)
    def __init__(self, district: str, region: str, letter_type: str, applicant: dict[str, Any], purpose: str,
                 destination: str | None, found_location: str | None, sktm: dict[str, Any] | None,
                 requested_by: Actor, complaint_id: UUID | None, receipt_number: str | None,
                 request_id: str | None = None) -> None:
        self.district, self.region, self.letter_type = district, region, letter_type
        self.applicant, self.purpose, self.destination = applicant, purpose, destination
        self.found_location, self.sktm = found_location, sktm
        self.requested_by, self.complaint_id, self.receipt_number = requested_by, complaint_id, receipt_number
        self.request_id = request_id
        self.documents: dict[str, dict[str, Any]] = {}
        self.validation: dict[str, Any] | None = None
        self.drafted_by: Actor | None = None
        self.drafted_at: dt.datetime | None = None
        self.paraf: list[dict[str, Any]] = []
        self.letter_number: str | None = None
        self.signed_by: Actor | None = None
        self.signed_at: dt.datetime | None = None
        self.signer: dict[str, str] | None = None
        self.issued_at: dt.datetime | None = None
        self.document_sha256: str | None = None
        self.document_file: str | None = None
        self.rejection: dict[str, Any] | None = None
        self.returns: list[dict[str, Any]] = []
        self.revocation: dict[str, Any] | None = None
        self.overdue: list[dict[str, Any]] = []
        self.bpjs: dict[str, Any] | None = None

    # Events after Requested carry the letter's public identity, so the outbox relay can publish
    # them from the event alone.
    Public = LetterEvent

    # -- queries --------------------------------------------------------------------------------
    @property
    def kind(self) -> LetterType:
        return catalogue()[self.letter_type]

    @property
    def requested_at(self) -> dt.datetime:
        return self.created_on

    @property
    def missing_documents(self) -> list[str]:
        return [d.code for d in self.kind.required_documents if not self.documents.get(d.code, {}).get("presented")]

    @property
    def missing_paraf(self) -> list[ParafStep]:
        given = {p["step"] for p in self.paraf}
        return [s for s in self.kind.paraf_chain if s.value not in given]

    @property
    def is_drafted(self) -> bool:
        return self.drafted_at is not None

    @property
    def is_signed(self) -> bool:
        return self.letter_number is not None

    @property
    def is_closed(self) -> bool:
        return self.rejection is not None or self.revocation is not None

    @property
    def status(self) -> str:
        if self.rejection:
            return "rejected"
        if self.revocation:
            return "revoked"
        if self.issued_at:
            return "issued"
        if self.is_signed:
            return "signed"
        if self.is_drafted:
            return "awaiting_paraf" if self.missing_paraf else "awaiting_signature"
        if self.returns and self.validation and self.validation["passed"]:
            return "returned"
        if self.validation is not None:
            return "verified" if self.validation["passed"] else "validation_failed"
        return "documents_complete" if not self.missing_documents and self.documents_checked else "requested"

    @property
    def documents_checked(self) -> bool:
        return bool(self.documents) or not self.kind.documents

    @property
    def current_step(self) -> LetterStep | None:
        """The step whose time standard runs now (None once issued or closed)."""
        return {
            "requested": LetterStep.DOCUMENTS, "documents_complete": LetterStep.VERIFICATION,
            "validation_failed": LetterStep.VERIFICATION, "verified": LetterStep.DRAFTING,
            "returned": LetterStep.DRAFTING, "awaiting_paraf": LetterStep.PARAF,
            "awaiting_signature": LetterStep.SIGNATURE, "signed": LetterStep.ISSUE,
        }.get(self.status)

    def public_identity(self) -> dict[str, Any]:
        return {"district": self.district, "region": self.region, "letter_type": self.letter_type,
                "complaint_id": self.complaint_id, "receipt_number": self.receipt_number}

    # -- guards ---------------------------------------------------------------------------------
    def _ensure_open(self, doing: str) -> None:
        if self.rejection:
            raise InvalidTransition(f"letter was rejected ({self.rejection['reason']}); cannot {doing}")
        if self.revocation:
            raise InvalidTransition(f"letter was revoked; cannot {doing}")

    def _ensure_not_signed(self, doing: str) -> None:
        self._ensure_open(doing)
        if self.is_signed:
            raise InvalidTransition(f"letter is already signed ({self.letter_number}); cannot {doing}")

    def ensure_documents_complete(self, doing: str) -> None:
        if missing := self.missing_documents:
            names = "; ".join(self.kind.document(code).name for code in missing)  # type: ignore[union-attr]
            raise LetterIncomplete(f"documents missing, cannot {doing}: {names}", missing)

    def _ensure_covers(self, by: Actor) -> None:
        """Region scoping in the letter itself, whatever the entrypoint (API, CLI, a consumer)."""
        if not by.covers(self.region):
            raise NotPermitted(f"actor's region {by.region} does not cover this letter's region {self.region}")

    def _ensure_officer(self, by: Actor, doing: str) -> None:
        self._ensure_covers(by)
        if by.role not in OFFICERS and by.role is not Role.ADMIN:
            names = ", ".join(r.value for r in OFFICERS)
            raise NotPermitted(f"{doing} is done by the officer ({names}), not by role {by.role.value}")

    # -- documents ------------------------------------------------------------------------------
    def check_documents(self, presented: dict[str, bool], by: Actor) -> None:
        self._ensure_officer(by, "checking documents")
        self._ensure_not_signed("change its documents")
        if self.is_drafted:
            raise InvalidTransition("the letter is drafted; return it for revision before changing its documents")
        unknown = sorted(set(presented) - {d.code for d in self.kind.documents})
        if unknown:
            known = ", ".join(d.code for d in self.kind.documents) or "none"
            raise InvalidLetterRequest(f"unknown documents {unknown} for {self.letter_type}; its checklist: {known}")
        self.trigger_event(self.DocumentsChecked, presented=dict(presented), by=by,
                           missing=self._missing_after(presented), **self.public_identity())

    def _missing_after(self, presented: dict[str, bool]) -> list[str]:
        """Checklist codes still missing once ``presented`` is applied (the event says so itself)."""
        shown = {c for c, d in self.documents.items() if d.get("presented")}
        shown |= {c for c, yes in presented.items() if yes}
        shown -= {c for c, yes in presented.items() if not yes}
        return [d.code for d in self.kind.required_documents if d.code not in shown]

    class DocumentsChecked(Public):
        presented: dict[str, bool]
        missing: list[str]
        by: Actor

        def apply(self, aggregate: Letter) -> None:
            for code, shown in self.presented.items():
                aggregate.documents.setdefault(code, {"presented": False, "scan": None})["presented"] = shown

    def attach_scan(self, code: str, scan: dict[str, Any], by: Actor) -> None:
        """A scan kept in the file store; attaching it marks the document presented."""
        self._ensure_officer(by, "attaching scans")
        self._ensure_not_signed("attach scans")
        if self.kind.document(code) is None:
            raise InvalidLetterRequest(f"{self.letter_type} has no document {code!r} on its checklist")
        self.trigger_event(self.ScanAttached, code=code, scan=scan, by=by, missing=self._missing_after({code: True}),
                           **self.public_identity())

    class ScanAttached(Public):
        code: str
        scan: dict[str, Any]
        missing: list[str]
        by: Actor

        def apply(self, aggregate: Letter) -> None:
            aggregate.documents[self.code] = {"presented": True, "scan": self.scan}

    # -- validation and drafting ----------------------------------------------------------------
    def record_validation(self, result: dict[str, Any], by: Actor) -> None:
        self._ensure_officer(by, "verification")
        self._ensure_not_signed("verify it")
        if self.is_drafted:
            raise InvalidTransition("the letter is drafted; return it for revision before verifying again")
        self.ensure_documents_complete("verify the letter")
        self.trigger_event(self.Validated, result=result, by=by, **self.public_identity())

    class Validated(Public):
        result: dict[str, Any]
        by: Actor

        def apply(self, aggregate: Letter) -> None:
            aggregate.validation = self.result

    def draft(self, by: Actor, destination: str | None = None, corrections: dict[str, str] | None = None) -> None:
        """Draft the letter; a revision may correct what the draft prints (not who it is for: NIK and
        name were verified, a different person is a new request)."""
        self._ensure_officer(by, "drafting")
        self._ensure_not_signed("draft it")
        if self.is_drafted:
            raise InvalidTransition("the letter is already drafted")
        self.ensure_documents_complete("draft the letter")
        if self.validation is None:
            raise InvalidTransition("the letter must be verified before drafting")
        if not self.validation["passed"]:
            raise InvalidTransition(f"verification failed: {'; '.join(self.validation['messages'])}")
        corrections = {k: " ".join(str(v).split()) for k, v in (corrections or {}).items() if v is not None}
        if unknown := sorted(set(corrections) - CORRECTABLE):
            raise InvalidLetterRequest(f"cannot correct {unknown} in a draft; correctable: {sorted(CORRECTABLE)}")
        if empty := sorted(k for k, v in corrections.items() if not v or len(v) > 2000):
            raise InvalidLetterRequest(f"corrections {empty} must be 1 to 2000 characters")
        destination = (destination or "").strip() or self.destination
        if self.kind.needs_destination and not destination:
            raise InvalidLetterRequest(f"a {self.kind.title} names its destination ({self.kind.destination_label})")
        self.trigger_event(self.Drafted, destination=destination, corrections=corrections, by=by,
                           **self.public_identity())

    class Drafted(Public):
        destination: str | None
        corrections: dict[str, str]
        by: Actor

        def apply(self, aggregate: Letter) -> None:
            aggregate.destination = self.destination
            for key, value in self.corrections.items():
                if key in ("purpose", "found_location"):
                    setattr(aggregate, key, value)
                else:
                    aggregate.applicant[key] = value
            aggregate.drafted_by, aggregate.drafted_at = self.by, self.timestamp


def starts_step_clock(step_before: LetterStep | None, letter: Letter, domain_event: Any) -> bool:
    """Whether ``domain_event`` (already applied to ``letter``) starts the clock of the letter's
    current step: a new step does, and so does a return for revision (the draft goes up again).
    The deadline watcher and the signers' queues read due times by this one rule."""
    return letter.current_step is not step_before or isinstance(domain_event, Letter.Returned)
