"""Referrals (rujukan): proposed by the handling staff for a programme of the catalogue, approved by the
district SLRT manager (then sent), answered by the agency (accept / reject with a reason / further
review), closed by the agency's outcome, or revoked / redirected by the secretariat."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from slrt_contracts import Actor, ComplaintType, ReferralDecision, Region, Role, ServiceField
from slrt_contracts.events.referral import PersonalDataBasis, ReferralOutcome
from slrt_runtime.errors import DomainError, InvalidTransition, NotFound, NotPermitted

from .catalogue import Programme

ANSWER_STEP = "agency_answer"


class ReferralStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    DECLINED = "declined"  # the manager did not approve it; never sent
    SENT = "sent"
    UNDER_REVIEW = "under_review"  # the agency asked for further review; it answers again
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    COMPLETED = "completed"  # the agency reported the outcome
    REVOKED = "revoked"  # withdrawn by the secretariat (or redirected: see redirected_to)


WAITING_FOR_AGENCY = (ReferralStatus.SENT, ReferralStatus.UNDER_REVIEW)
REVOCABLE = (ReferralStatus.SENT, ReferralStatus.UNDER_REVIEW, ReferralStatus.ACCEPTED)
REDIRECTABLE = (*REVOCABLE, ReferralStatus.REJECTED)
OPEN = (ReferralStatus.AWAITING_APPROVAL, *REVOCABLE)

_AFTER_DECISION = {
    ReferralDecision.APPROVED: ReferralStatus.ACCEPTED,
    ReferralDecision.REJECTED: ReferralStatus.REJECTED,
    ReferralDecision.FURTHER_REVIEW: ReferralStatus.UNDER_REVIEW,
}


class ReferralNotFound(NotFound):
    pass


class ReasonRequired(DomainError):
    pass


def _reason(reason: str | None, what: str) -> str:
    if not (reason and reason.strip()):
        raise ReasonRequired(f"{what} needs a reason")
    return reason.strip()


def _secretariat(actor: Actor, what: str) -> None:
    if actor.role not in (Role.MANAGER, Role.ADMIN):
        raise NotPermitted(f"only the SLRT manager may {what} a referral")


class Referral(Aggregate):
    @event("Proposed")
    def __init__(
        self,
        complaint_id: UUID,
        receipt_number: str,
        region: Region,
        complaint_type: ComplaintType,
        dtks_status: str,
        dtks_programmes: list[str],
        programme: dict[str, Any],
        note: str | None,
        proposed_by: Actor,
        redirected_from: UUID | None = None,
    ) -> None:
        self.complaint_id = complaint_id
        self.receipt_number = receipt_number
        self.region = region
        self.complaint_type = ComplaintType(complaint_type)
        self.dtks_status = dtks_status
        self.dtks_programmes = list(dtks_programmes)
        # A copy of the catalogue entry as it was: later catalogue edits do not change a sent referral.
        self.programme = Programme(**programme)
        self.note = note
        self.proposed_by = proposed_by
        self.redirected_from = redirected_from
        self.redirected_to: UUID | None = None
        self.status = ReferralStatus.AWAITING_APPROVAL
        self.approved_by: Actor | None = None
        self.sent_at: dt.datetime | None = None
        self.personal_data_basis: PersonalDataBasis | None = None
        self.answer_due_at: dt.datetime | None = None
        self.overdue_for: list[str] = []  # due dates (ISO) already reported missed
        self.answers: list[dict[str, Any]] = []
        self.outcome: dict[str, Any] | None = None
        self.closing_reason: str | None = None

    # -- convenience -----------------------------------------------------------------------
    @property
    def agency(self) -> str:
        return self.programme.agency

    @property
    def field(self) -> ServiceField:
        return self.programme.field

    # -- the manager -------------------------------------------------------------------------
    def approve(self, manager: Actor, personal_data_basis: PersonalDataBasis, now: dt.datetime) -> None:
        _secretariat(manager, "approve")
        if self.status != ReferralStatus.AWAITING_APPROVAL:
            raise InvalidTransition(f"referral was already {self.status.value}; it can be approved once")
        self._sent(approved_by=manager, personal_data_basis=personal_data_basis, sent_at=now,
                   answer_due_at=self.programme.time_standard.due(now))

    @event("Sent")
    def _sent(self, approved_by: Actor, personal_data_basis: str, sent_at: dt.datetime,
              answer_due_at: dt.datetime) -> None:
        self.approved_by = approved_by
        self.status = ReferralStatus.SENT
        self.sent_at = sent_at
        self.personal_data_basis = PersonalDataBasis(personal_data_basis)
        self.answer_due_at = answer_due_at

    def decline(self, manager: Actor, reason: str | None) -> None:
        _secretariat(manager, "decline")
        if self.status != ReferralStatus.AWAITING_APPROVAL:
            raise InvalidTransition(f"only a proposal awaiting approval can be declined; this one is {self.status.value}")
        self._declined(reason=_reason(reason, "declining a referral"), declined_by=manager)

    @event("Declined")
    def _declined(self, reason: str, declined_by: Actor) -> None:
        self.status = ReferralStatus.DECLINED
        self.closing_reason = reason

    def revoke(self, actor: Actor, reason: str | None) -> None:
        _secretariat(actor, "revoke")
        if self.status not in REVOCABLE:
            raise InvalidTransition(self._refusal("revoked", "decline it instead" if self.status
                                                  == ReferralStatus.AWAITING_APPROVAL else None))
        self._revoked(reason=_reason(reason, "revoking a referral"), revoked_by=actor)

    @event("Revoked")
    def _revoked(self, reason: str, revoked_by: Actor) -> None:
        self.status = ReferralStatus.REVOKED
        self.closing_reason = reason
        self.answer_due_at = None

    def ensure_redirectable(self, actor: Actor, reason: str | None, to_programme: str) -> str:
        _secretariat(actor, "redirect")
        if self.status not in REDIRECTABLE:
            raise InvalidTransition(self._refusal("redirected", "decline it and propose another programme"
                                                  if self.status == ReferralStatus.AWAITING_APPROVAL else None))
        if to_programme == self.programme.code:
            raise DomainError("a redirect goes to another programme than the referral's own")
        return _reason(reason, "redirecting a referral")

    def redirect(self, actor: Actor, reason: str | None, to: Referral) -> None:
        """Revoke this referral in favour of ``to`` (a new referral linked back to this one)."""
        reason = self.ensure_redirectable(actor, reason, to.programme.code)
        self._redirected(reason=reason, redirected_by=actor, to_referral_id=to.id, to_agency=to.agency,
                         to_programme=to.programme.code)

    @event("Redirected")
    def _redirected(self, reason: str, redirected_by: Actor, to_referral_id: UUID, to_agency: str,
                    to_programme: str) -> None:
        self.status = ReferralStatus.REVOKED
        self.closing_reason = reason
        self.redirected_to = to_referral_id
        self.answer_due_at = None

    # -- the agency --------------------------------------------------------------------------
    def _ensure_addressee(self, actor: Actor) -> None:
        if actor.role == Role.AGENCY:
            if actor.agency != self.agency:
                raise NotPermitted(f"this referral is addressed to {self.agency}, not {actor.agency}")
            if not actor.covers(self.region.village):
                raise NotPermitted(f"agency account of region {actor.region} does not cover this referral")
        elif actor.role != Role.ADMIN:
            raise NotPermitted("only the addressed agency answers a referral")
        if self.sent_at is None:
            raise InvalidTransition("referral has not been sent: the manager has not approved it")

    def answer(self, decision: ReferralDecision, reason: str | None, actor: Actor, now: dt.datetime,
               answer_id: UUID | None = None) -> None:
        self._ensure_addressee(actor)
        decision = ReferralDecision(decision)
        if self.status not in WAITING_FOR_AGENCY:
            raise InvalidTransition(f"referral was already answered: {self.status.value}"
                                    if self.status in (ReferralStatus.ACCEPTED, ReferralStatus.REJECTED,
                                                       ReferralStatus.COMPLETED)
                                    else f"referral is {self.status.value}; it cannot be answered")
        if decision == ReferralDecision.REJECTED:
            reason = _reason(reason, "a rejection (the citizen is told why)")
        due = self.programme.time_standard.due(now) if decision == ReferralDecision.FURTHER_REVIEW else None
        self._answered(decision=decision, reason=reason, answered_by=actor, answered_at=now, answer_id=answer_id,
                       answer_due_at=due)

    @event("Answered")
    def _answered(self, decision: str, reason: str | None, answered_by: Actor, answered_at: dt.datetime,
                  answer_id: UUID | None, answer_due_at: dt.datetime | None) -> None:
        decision = ReferralDecision(decision)
        self.answers.append({"decision": decision, "reason": reason, "by": answered_by, "at": answered_at})
        self.status = _AFTER_DECISION[decision]
        # Further review restarts the clock of the answer; a final answer stops it.
        self.answer_due_at = answer_due_at

    def report_outcome(self, outcome: ReferralOutcome, note: str | None, actor: Actor, now: dt.datetime,
                       answer_id: UUID | None = None) -> None:
        self._ensure_addressee(actor)
        if self.status != ReferralStatus.ACCEPTED:
            raise InvalidTransition(f"an outcome is reported after accepting the referral; it is {self.status.value}")
        self._outcome_reported(outcome=ReferralOutcome(outcome), note=note, reported_by=actor, reported_at=now,
                               answer_id=answer_id)

    @event("OutcomeReported")
    def _outcome_reported(self, outcome: str, note: str | None, reported_by: Actor, reported_at: dt.datetime,
                          answer_id: UUID | None) -> None:
        self.status = ReferralStatus.COMPLETED
        self.outcome = {"outcome": ReferralOutcome(outcome), "note": note, "by": reported_by, "at": reported_at}

    # -- time standard -----------------------------------------------------------------------
    def is_overdue(self) -> bool:
        return self.answer_due_at is not None and self.answer_due_at.isoformat() in self.overdue_for

    def mark_overdue(self, due_at: dt.datetime) -> bool:
        """Record that the answer due at ``due_at`` was missed; False when that is no longer the case
        (answered since, or a later due date) or was recorded already: safe to run twice."""
        if self.status not in WAITING_FOR_AGENCY or self.answer_due_at != due_at or self.is_overdue():
            return False
        self._overdue(step=ANSWER_STEP, due_at=due_at)
        return True

    @event("Overdue")
    def _overdue(self, step: str, due_at: dt.datetime) -> None:
        self.overdue_for.append(due_at.isoformat())

    def _refusal(self, verb: str, hint: str | None) -> str:
        text = f"a {self.status.value} referral cannot be {verb}"
        return f"{text}; {hint}" if hint else text
