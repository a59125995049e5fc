"""The Letter aggregate: one letter for one applicant, through the SOP's steps.

requested -> documents checked against the type's checklist -> validated (DTKS match, no double PBI,
SKTM consistent) -> drafted -> paraf in the catalogue's order -> signed (the number is taken here,
never before, so abandoned drafts leave no hole in the register) -> issued (rendered, digitally
signed, archived); rejected or returned for revision at any step before signature; an issued letter
can be revoked. The letter type's rules come from the catalogue, not from this code.
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
from .errors import InvalidLetterRequest, LetterIncomplete
from .events import LetterEvent
from .tracking import LetterTracking, _reason

TITLE = {ParafStep.KASI: "Kasi", ParafStep.KABID: "Kabid", ParafStep.SEKDIN: "Sekdin",
         Role.KADIN: "Kadin", Role.SEKDIN: "Sekdin"}
CORRECTABLE = frozenset({"purpose", "found_location", "address", "birth_place"})
"""What a revised draft may correct."""
OFFICERS = (Role.PENGELOLA, Role.FRONT_OFFICE, Role.BACK_OFFICE)
"""Who receives the applicant, checks documents and drafts (the SOPs' 'pengelola / petugas')."""


_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/letters/request")


def letter_id_for(district: str, request_id: str) -> UUID:
    """The letter's id derived from the client's request id: a retried POST finds the same letter."""
    return uuid5(_NS, f"{district}:{request_id}")


_V1_TYPES = {"rekomendasi-pbi-daerah": "rec-kis-pbid-enrolment"}
"""Letter type codes of v1 events and their catalogue codes (agreement 7)."""


def _add_region(state: dict[str, Any]) -> None:
    """v1 paraf and signature events had no region: a v1 letter belonged to the whole district."""
    state.setdefault("region", state["district"])
    state["letter_type"] = _V1_TYPES.get(state["letter_type"], state["letter_type"])


class Letter(LetterTracking, Aggregate):
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
            state["letter_type"] = _V1_TYPES.get(state["letter_type"], state["letter_type"])
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

    # -- paraf and signature --------------------------------------------------------------------
    def initial(self, step: ParafStep, by: Actor) -> None:
        """The paraf is personal: only that official gives it (an admin cannot stand in)."""
        self._ensure_covers(by)
        step, title = ParafStep(step), TITLE[ParafStep(step)]
        if by.role.value != step.value:
            raise NotPermitted(f"paraf {title} is given by the {title} (role {step.value}), not by role {by.role.value}")
        self._ensure_not_signed("take more paraf")
        if step not in self.kind.paraf_chain:
            chain = " -> ".join(TITLE[s] for s in self.kind.paraf_chain)
            raise InvalidTransition(f"a {self.kind.title} takes no paraf of {title}; its chain is {chain}")
        if not self.is_drafted:
            raise InvalidTransition("the letter is not drafted yet; paraf comes after the draft")
        if any(p["step"] == step.value for p in self.paraf):
            raise InvalidTransition(f"paraf {title} was already given")
        expected = self.missing_paraf[0]
        if step is not expected:
            raise InvalidTransition(f"paraf {TITLE[expected]} is needed before {title}")
        self.trigger_event(self.Initialled, step=step.value, by=by, **self.public_identity())

    class Initialled(Public):
        class_version = 2
        upcast_v1_v2 = staticmethod(_add_region)
        step: str
        by: Actor

        def apply(self, aggregate: Letter) -> None:
            aggregate.paraf.append({"step": self.step, "by": self.by, "at": self.timestamp})

    def check_can_sign(self, by: Actor) -> None:
        """Every reason to refuse the signature, checked before a letter number is taken."""
        self._ensure_covers(by)
        if by.role not in self.kind.signers:
            names = " or ".join(r.value for r in self.kind.signers)
            raise NotPermitted(f"a {self.kind.title} is signed by role {names}, not {by.role.value}")
        self._ensure_not_signed("sign it again")
        self.ensure_documents_complete("sign the letter")
        if not self.is_drafted:
            raise InvalidTransition("the letter is not drafted yet")
        if missing := self.missing_paraf:
            names = " and ".join(TITLE[s] for s in missing)
            raise InvalidTransition(f"letter needs paraf of {names} before signing")

    def sign(self, letter_number: str, by: Actor) -> None:
        self.check_can_sign(by)
        self.trigger_event(self.Signed, letter_number=letter_number, by=by, **self.public_identity())

    class Signed(Public):
        class_version = 2
        upcast_v1_v2 = staticmethod(_add_region)
        letter_number: str
        by: Actor

        def apply(self, aggregate: Letter) -> None:
            aggregate.letter_number, aggregate.signed_by, aggregate.signed_at = self.letter_number, self.by, self.timestamp

    def issue(self, document_sha256: str, document_file: str) -> None:
        """The signed PDF exists and is archived. Done by the service right after the signature."""
        self._ensure_open("issue it")
        if not self.is_signed:
            raise InvalidTransition("the letter is not signed yet")
        if self.issued_at:
            raise InvalidTransition(f"letter {self.letter_number} is already issued")
        self.trigger_event(self.Issued, letter_number=self.letter_number, document_sha256=document_sha256,
                           document_file=document_file, **self.public_identity())

    class Issued(Public):
        letter_number: str
        document_sha256: str
        document_file: str

        def apply(self, aggregate: Letter) -> None:
            aggregate.issued_at = self.timestamp
            aggregate.document_sha256, aggregate.document_file = self.document_sha256, self.document_file

    # -- rejection, return, revocation ------------------------------------------------------------
    def _ensure_in_chain(self, by: Actor, doing: str) -> None:
        self._ensure_covers(by)
        allowed = {*OFFICERS, *(Role(s.value) for s in self.kind.paraf_chain), *self.kind.signers, Role.ADMIN}
        if by.role not in allowed:
            raise NotPermitted(f"role {by.role.value} has no step on a {self.kind.title}; cannot {doing}")

    def reject(self, reason: str, by: Actor) -> None:
        self._ensure_in_chain(by, "reject it")
        self._ensure_not_signed("reject it (revoke an issued letter instead)")
        step = self.current_step or LetterStep.DOCUMENTS
        self.trigger_event(self.Rejected, step=step.value, reason=_reason(reason), by=by, **self.public_identity())

    class Rejected(Public):
        step: str
        reason: str
        by: Actor

        def apply(self, aggregate: Letter) -> None:
            aggregate.rejection = {"step": self.step, "reason": self.reason, "by": self.by, "at": self.timestamp}

    def return_for_revision(self, reason: str, by: Actor) -> None:
        self._ensure_in_chain(by, "return it")
        self._ensure_not_signed("return it")
        if not self.is_drafted:
            raise InvalidTransition("only a drafted letter is returned for revision; before that, edit it")
        step = self.current_step or LetterStep.PARAF
        self.trigger_event(self.Returned, step=step.value, reason=_reason(reason), by=by, **self.public_identity())

    class Returned(Public):
        step: str
        reason: str
        by: Actor

        def apply(self, aggregate: Letter) -> None:
            # The draft and every paraf on it are void: the revised draft goes up the chain again.
            aggregate.returns.append({"step": self.step, "reason": self.reason, "by": self.by, "at": self.timestamp})
            aggregate.drafted_at, aggregate.drafted_by, aggregate.paraf = None, None, []
