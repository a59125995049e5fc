"""What intake does on its own: on other services' events (DTKS check, civil-registry letter,
referrals), on missed time standards, and to deliver the notices it queued."""

from __future__ import annotations

import datetime as dt
import logging
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from slrt_contracts import DTKSChecked, service_actor
from slrt_contracts.events.intake import EscalationReason, Level
from slrt_runtime.consumers import Delivery, PermanentFailure
from slrt_runtime.deadlines import Deadline

from ..domain import Complaint, Status, WrongState
from ..adapters.notify import Notice
from .base import IntakeBase

log = logging.getLogger(__name__)

CIVIL_REGISTRY_LETTER = "rec-civil-registry"
LETTERS_THAT_RESUME = frozenset({"LetterSigned", "LetterIssued"})

REFERRAL_STATE = {
    "ReferralSent": "sent",
    "ReferralOutcomeReported": "outcome_reported",
    "ReferralRevoked": "revoked",
    "ReferralRedirected": "redirected",
    "ReferralAccepted": "accepted",
    "ReferralRejected": "rejected",
}
"""Referral events by name: consumed by name so that referral events added later (or not yet)
never break this consumer; those it does not know are only recorded as seen."""
ANSWER_STATE = {"approved": "accepted", "accepted": "accepted", "rejected": "rejected",
                "further_review": "further_review"}


class Reactions(IntakeBase):
    # -- consumers (each records the upstream notification with its effect) -------------------------
    def on_dtks_checked(self, delivery: Delivery) -> bool:
        check = delivery.event
        if not isinstance(check, DTKSChecked):
            raise PermanentFailure(f"not a DTKS check: {type(check).__name__}")
        complaint = self.find(check.complaint_id)
        if complaint is None:
            raise PermanentFailure(f"DTKS check of a complaint intake does not know: {check.complaint_id}")
        now = self.clock()
        complaint.record_dtks_check(
            check.status, programmes=list(check.programmes), household_id=check.household_id,
            prelist_proposal_id=_text_or_none(getattr(check, "prelist_proposal_id", None)),
            assessment_due=self.rules.due(self.rules.assessment, now),
            civil_registry_due=self.rules.due(self.rules.civil_registry, now),
        )
        return self.save_processed(delivery.upstream, delivery.notification_id, complaint)

    def on_letter(self, delivery: Delivery) -> bool:
        letter = delivery.event
        complaint_id = getattr(letter, "complaint_id", None)
        complaint = None
        if (letter.event_name in LETTERS_THAT_RESUME and getattr(letter, "letter_type", None) == CIVIL_REGISTRY_LETTER
                and complaint_id is not None):
            complaint = self.find(complaint_id)
        if complaint is not None:
            complaint.resume_after_civil_registry(
                letter.letter_id, self.rules.due(self.rules.assessment, self.clock()))  # type: ignore[attr-defined]
            return self.save_processed(delivery.upstream, delivery.notification_id, complaint)
        return self.save_processed(delivery.upstream, delivery.notification_id)

    def on_referral(self, delivery: Delivery) -> bool:
        event = delivery.event
        state = REFERRAL_STATE.get(event.event_name)
        if event.event_name == "ReferralAnswered":
            state = ANSWER_STATE.get(str(getattr(event.decision, "value", event.decision)))  # type: ignore[attr-defined]
        complaint_id = getattr(event, "complaint_id", None)
        complaint = self.find(complaint_id) if state is not None and complaint_id is not None else None
        if complaint is None:
            return self.save_processed(delivery.upstream, delivery.notification_id)
        due_if_back = self.rules.level_due(Level(complaint.level), self.clock()) if complaint.level else self.clock()
        complaint.note_referral(event.referral_id, event.agency, state,  # type: ignore[attr-defined]
                                reason_given=getattr(event, "reason", None) is not None, due_if_back=due_if_back)
        return self.save_processed(delivery.upstream, delivery.notification_id, complaint)

    # -- missed time standards ----------------------------------------------------------------------
    def on_due(self, deadline: Deadline) -> None:
        """Handler of the deadline watcher; safe to run twice (a moved-on state is a WrongState)."""
        complaint_id = deadline.aggregate_id
        assert complaint_id is not None
        match deadline.action:
            case "notify":
                self.deliver_notice(complaint_id, int(deadline.data["number"]))
            case "overdue":
                self.change(complaint_id, None, lambda c: c.step_overdue(
                    deadline.data["step"], Status(deadline.data["waiting_in"]), deadline.due_at))
            case "escalate":
                self.handling_overdue(complaint_id, int(deadline.data["seq"]), deadline.due_at)
            case "close":
                self.change(complaint_id, None, lambda c: c.close_after_appeal_window(deadline.due_at))
            case _:
                raise WrongState(f"unknown deadline action {deadline.action}")

    def handling_overdue(self, complaint_id: UUID, seq: int, due_at: dt.datetime) -> None:
        """The level missed its time standard: report it, and pass the case up (the top reports only)."""
        def overdue(c: Complaint) -> None:
            level = c.handling_overdue(seq, due_at)
            above = self.rules.above(level)
            if above is not None:
                c.escalate(to_level=above, reason=EscalationReason.DEADLINE, note=None,
                           actor=service_actor("intake", self.settings.district),
                           due=self.rules.level_due(above, self.clock()), tz=self.rules.timezone)

        self.change(complaint_id, None, overdue)

    # -- telling the citizen ------------------------------------------------------------------------
    def deliver_notice(self, complaint_id: UUID, number: int) -> str:
        complaint = self.load(complaint_id)
        if not 0 < number <= len(complaint.notices):
            raise WrongState(f"no notice {number}")
        notice = complaint.notices[number - 1]
        if notice["channel"] is not None:
            raise WrongState(f"notice {number} was delivered already")
        used = self.notifier.send(Notice(complaint.receipt_number, notice["kind"], notice["message"],
                                         complaint.contact_phone))
        complaint.mark_notified(number, used)
        try:
            self.save(complaint)  # the complaint as just read: no second replay in the common case
        except IntegrityError:  # it changed meanwhile: record the delivery on its fresh state
            self.change(complaint_id, None, lambda c: c.mark_notified(number, used))
        return used


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)
