"""What follows a letter beside its steps: missed time standards, revocation of an issued letter,
and the BPJS submission and decision of KIS PBI-Daerah letters. A mixin of :class:`Letter`."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from slrt_contracts import Actor, Role
from slrt_contracts.events.letters import LetterStep
from slrt_runtime.errors import InvalidTransition, NotPermitted

from .errors import InvalidLetterRequest
from .events import LetterEvent


class LetterTracking:
    # Provided by Letter: kind, status, current_step, issued_at, letter_number, revocation, overdue,
    # bpjs, is_closed, public_identity(), trigger_event(), _ensure_open().
    kind: Any
    issued_at: dt.datetime | None
    letter_number: str | None
    overdue: list[dict[str, Any]]
    bpjs: dict[str, Any] | None
    revocation: dict[str, Any] | None

    def revoke(self, reason: str, by: Actor) -> None:
        self._ensure_covers(by)  # type: ignore[attr-defined]
        if by.role not in self.kind.signers and by.role is not Role.ADMIN:
            names = " or ".join(r.value for r in self.kind.signers)
            raise NotPermitted(f"a {self.kind.title} is revoked by its signer (role {names}), not {by.role.value}")
        self._ensure_open("revoke it")
        if not self.issued_at:
            raise InvalidTransition("only an issued letter is revoked; reject a letter still in progress")
        self.trigger_event(self.Revoked, letter_number=self.letter_number, reason=_reason(reason), by=by,
                           **self.public_identity())

    class Revoked(LetterEvent):
        letter_number: str
        reason: str
        by: Actor

        def apply(self, aggregate: LetterTracking) -> None:
            aggregate.revocation = {"reason": self.reason, "by": self.by, "at": self.timestamp}

    # -- time standards -------------------------------------------------------------------------
    def record_overdue(self, step: LetterStep, due_at: dt.datetime) -> bool:
        """Record that ``step`` missed its time standard; False when already recorded (run twice)."""
        if self.current_step is not step or self.is_closed:
            raise InvalidTransition(f"step {step.value} is no longer running")
        if any(o["step"] == step.value and o["due_at"] == due_at for o in self.overdue):
            return False
        self.trigger_event(self.Overdue, step=step.value, due_at=due_at, **self.public_identity())
        return True

    class Overdue(LetterEvent):
        step: str
        due_at: dt.datetime

        def apply(self, aggregate: LetterTracking) -> None:
            aggregate.overdue.append({"step": self.step, "due_at": self.due_at, "at": self.timestamp})

    # -- BPJS -----------------------------------------------------------------------------------
    def submit_to_bpjs(self, batch_id: UUID, period: str) -> None:
        if self.kind.bpjs_batch is None:
            raise InvalidTransition(f"a {self.kind.title} does not go to BPJS")
        if not self.issued_at or self.bpjs is not None:
            raise InvalidTransition("only an issued letter not yet submitted goes into a BPJS batch")
        self.trigger_event(self.SubmittedToBpjs, batch_id=batch_id, period=period,
                           action=self.kind.bpjs_batch.value, **self.public_identity())

    class SubmittedToBpjs(LetterEvent):
        batch_id: UUID
        period: str
        action: str

        def apply(self, aggregate: LetterTracking) -> None:
            aggregate.bpjs = {"batch_id": self.batch_id, "period": self.period, "action": self.action,
                              "submitted_at": self.timestamp, "decision": None, "reason": None}

    def record_bpjs_decision(self, batch_id: UUID, decision: str, reason: str | None) -> bool:
        """False when the same decision was already recorded (a file applied twice)."""
        if self.bpjs is None or self.bpjs["batch_id"] != batch_id:
            raise InvalidTransition(f"letter {self.letter_number} is not in BPJS batch {batch_id}")
        if (self.bpjs["decision"], self.bpjs["reason"]) == (decision, reason):
            return False
        self.trigger_event(self.BpjsDecided, batch_id=batch_id, action=self.bpjs["action"], decision=decision,
                           reason=reason, **self.public_identity())
        return True

    class BpjsDecided(LetterEvent):
        batch_id: UUID
        action: str
        decision: str
        reason: str | None

        def apply(self, aggregate: LetterTracking) -> None:
            assert aggregate.bpjs is not None
            aggregate.bpjs.update(decision=self.decision, reason=self.reason, decided_at=self.timestamp)


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        raise InvalidLetterRequest("a reason is needed (at least 3 characters)")
    if len(reason) > 500:
        raise InvalidLetterRequest("the reason is longer than 500 characters")
    return reason
