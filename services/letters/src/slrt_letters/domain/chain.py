"""The way of a drafted letter up its paraf chain to the signature and issuance, and back down:
rejection at any step before the signature, return for revision. A mixin of :class:`Letter`
(eventsourcing redefines these events on the aggregate, so their topics stay ``Letter.<Event>``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from slrt_contracts import Actor, ParafStep, Role
from slrt_contracts.events.letters import LetterStep
from slrt_runtime.errors import InvalidTransition, NotPermitted

from .events import LetterEvent, add_region
from .tracking import _reason

TITLE = {ParafStep.KASI: "Kasi", ParafStep.KABID: "Kabid", ParafStep.SEKDIN: "Sekdin",
         Role.KADIN: "Kadin", Role.SEKDIN: "Sekdin"}
OFFICERS = (Role.PENGELOLA, Role.FRONT_OFFICE, Role.BACK_OFFICE)
"""Who receives the applicant, checks documents and drafts (the SOPs' 'pengelola / petugas')."""


class LetterChain:
    # Provided by Letter: kind, paraf, is_drafted, is_signed, issued_at, letter_number, missing_paraf,
    # current_step, public_identity(), trigger_event(), _ensure_covers(), _ensure_open(),
    # _ensure_not_signed(), ensure_documents_complete().
    kind: Any
    paraf: list[dict[str, Any]]
    letter_number: str | None
    signed_by: Actor | None
    signed_at: dt.datetime | None
    signer: dict[str, str] | None
    issued_at: dt.datetime | None
    document_sha256: str | None
    document_file: str | None
    rejection: dict[str, Any] | None
    returns: list[dict[str, Any]]
    drafted_by: Actor | None
    drafted_at: dt.datetime | None

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

    class Initialled(LetterEvent):
        class_version = 2
        upcast_v1_v2 = staticmethod(add_region)
        step: str
        by: Actor

        def apply(self, aggregate: LetterChain) -> None:
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

    def sign(self, letter_number: str, by: Actor, signer: dict[str, str] | None = None) -> None:
        """``signer``: the official as printed (name, NIP, position), kept so that the letter and its
        public verification name who signed it even after the office's officials change."""
        self.check_can_sign(by)
        self.trigger_event(self.Signed, letter_number=letter_number, by=by, signer=signer, **self.public_identity())

    class Signed(LetterEvent):
        class_version = 3
        upcast_v1_v2 = staticmethod(add_region)
        letter_number: str
        by: Actor
        signer: dict[str, str] | None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["signer"] = None  # signed before the officials were configured: the printed placeholder

        def apply(self, aggregate: LetterChain) -> None:
            aggregate.letter_number, aggregate.signed_by, aggregate.signed_at = self.letter_number, self.by, self.timestamp
            aggregate.signer = self.signer

    def issue(self, document_sha256: str, document_file: str) -> None:
        """The signed PDF exists and is archived. Done by the service right after the signature."""
        self._ensure_open("issue it")
        if not self.is_signed:
            raise InvalidTransition("the letter is not signed yet")
        if self.issued_at:
            raise InvalidTransition(f"letter {self.letter_number} is already issued")
        self.trigger_event(self.Issued, letter_number=self.letter_number, document_sha256=document_sha256,
                           document_file=document_file, **self.public_identity())

    class Issued(LetterEvent):
        letter_number: str
        document_sha256: str
        document_file: str

        def apply(self, aggregate: LetterChain) -> None:
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

    class Rejected(LetterEvent):
        step: str
        reason: str
        by: Actor

        def apply(self, aggregate: LetterChain) -> None:
            aggregate.rejection = {"step": self.step, "reason": self.reason, "by": self.by, "at": self.timestamp}

    def return_for_revision(self, reason: str, by: Actor) -> None:
        self._ensure_in_chain(by, "return it")
        self._ensure_not_signed("return it")
        if not self.is_drafted:
            raise InvalidTransition("only a drafted letter is returned for revision; before that, edit it")
        step = self.current_step or LetterStep.PARAF
        self.trigger_event(self.Returned, step=step.value, reason=_reason(reason), by=by, **self.public_identity())

    class Returned(LetterEvent):
        step: str
        reason: str
        by: Actor

        def apply(self, aggregate: LetterChain) -> None:
            # The draft and every paraf on it are void: the revised draft goes up the chain again.
            aggregate.returns.append({"step": self.step, "reason": self.reason, "by": self.by, "at": self.timestamp})
            aggregate.drafted_at, aggregate.drafted_by, aggregate.paraf = None, None, []
