"""The complaint (pengaduan) aggregate: registration, DTKS branches, tiered handling, referrals,
resolution, appeal and closing; and the notices that tell the citizen.

Command methods check the rule and the state, then record private ``@event`` methods; an event
body only applies state (it runs again on every replay), so notices are recorded by the commands.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from slrt_contracts import Actor, Channel, ComplaintType, DTKSStatus, Region, Role, ServiceField
from slrt_contracts.events.intake import (
    ClosedReason,
    ComplaintIdentity,
    ComplaintSource,
    EscalationReason,
    Level,
    Outcome,
    Satisfaction,
)

from . import notices
from .errors import AppealWindowClosed, NotAtThisLevel, WrongState
from .values import FIRST_LEVEL, HANDLING_STATUSES, LEVEL_ROLE, OPEN_STATUSES, Status

_COMPLAINT_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/complaint")

OPEN_REFERRAL_STATES = frozenset({"sent", "accepted", "further_review"})
"""Referral states in which an agency still owes an answer or an outcome."""


def complaint_id_for(receipt: str) -> UUID:
    return uuid5(_COMPLAINT_NS, receipt)


class Complaint(Aggregate):
    @staticmethod
    def create_id(receipt_number: str, client_id: UUID | None = None, **_: object) -> UUID:  # type: ignore[override]
        # A facilitator's app makes the id itself (so a retry finds the same complaint); otherwise
        # it is derived from the receipt, so the receipt number alone finds the complaint.
        return client_id or complaint_id_for(receipt_number)

    @event("Registered")
    def __init__(
        self,
        receipt_number: str,
        client_id: UUID | None,
        channel: Channel,
        complaint_type: ComplaintType,
        field: ServiceField,
        region: Region,
        nik: str | None,
        description: str,
        registered_by: Actor,
        source: ComplaintSource | None = None,
        programme: str | None = None,
        identity: ComplaintIdentity | None = None,
        contact_phone: str | None = None,
        fingerprint: str | None = None,
    ) -> None:
        self.receipt_number = receipt_number
        self.client_id = client_id
        self.channel = Channel(channel)
        self.complaint_type = ComplaintType(complaint_type)
        self.field = ServiceField(field)
        self.region = region
        self.nik = nik
        self.description = description
        self.registered_by = registered_by
        self.source = ComplaintSource(source) if source else None
        self.programme = programme
        self.identity = identity
        self.contact_phone = contact_phone
        self.fingerprint = fingerprint
        self.consent_to_disclose = bool(identity and identity.consent_to_disclose)
        self.status = Status.REGISTERED
        self.queue_number: int | None = None
        self.queue_office: str | None = None
        self.dtks: dict[str, Any] | None = None
        self.level: Level | None = None
        self.handling_seq = 0
        self.due_at: dt.datetime | None = None
        self.programmes_needed: list[str] = []
        self.referrals: dict[str, dict[str, Any]] = {}
        self.resolution: dict[str, Any] | None = None
        self.appeal_until: dt.datetime | None = None
        self.appeals = 0
        self.overdue_steps: list[str] = []
        self.closed_reason: ClosedReason | None = None
        self.notices: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []

    @property
    def registered_at(self) -> dt.datetime:
        return self.created_on

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    # -- registration extras ------------------------------------------------------------------
    def take_queue_number(self, number: int, office: str) -> None:
        if self.queue_number is not None:
            raise WrongState("this complaint already has a queue number")
        self._queue_number_taken(number, office)

    @event("QueueNumberTaken")
    def _queue_number_taken(self, number: int, office: str) -> None:
        self.queue_number, self.queue_office = number, office

    def record_consent(self, consent: bool, actor: Actor) -> None:
        if consent == self.consent_to_disclose:
            return  # nothing changes: no event
        self._consent_recorded(consent, actor)

    @event("ConsentRecorded")
    def _consent_recorded(self, consent: bool, recorded_by: Actor) -> None:
        self.consent_to_disclose = consent

    # -- after the DTKS check --------------------------------------------------------------------
    def record_dtks_check(self, status: DTKSStatus, *, programmes: list[str], household_id: str | None,
                          prelist_proposal_id: str | None, assessment_due: dt.datetime,
                          civil_registry_due: dt.datetime) -> bool:
        """Returns False when the check was recorded before (a replay under another message id)."""
        if self.dtks is not None:
            return False
        status = DTKSStatus(status)
        if self.status is not Status.REGISTERED:
            next_status, due = self.status, None  # e.g. a question already answered: just keep the facts
        elif status is DTKSStatus.NO_NIK:
            next_status, due = Status.AWAITING_CIVIL_REGISTRY, civil_registry_due
        else:
            next_status, due = Status.AWAITING_ASSESSMENT, assessment_due
        self._dtks_recorded(status.value, list(programmes), household_id, prelist_proposal_id,
                            next_status.value, due)
        if next_status is Status.AWAITING_CIVIL_REGISTRY:
            self._notice("civil_registry", notices.civil_registry())
        elif next_status is Status.AWAITING_ASSESSMENT and status is DTKSStatus.NOT_FOUND:
            self._notice("not_in_dtks", notices.not_in_dtks())
        return True

    @event("DTKSRecorded")
    def _dtks_recorded(self, dtks_status: str, programmes: list[str], household_id: str | None,
                       prelist_proposal_id: str | None, next_status: str, due_at: dt.datetime | None) -> None:
        self.dtks = {"status": dtks_status, "programmes": programmes, "household_id": household_id,
                     "prelist_proposal_id": prelist_proposal_id}
        self.status = Status(next_status)
        if due_at is not None:
            self.due_at = due_at

    def resume_after_civil_registry(self, letter_id: UUID, assessment_due: dt.datetime) -> bool:
        if self.status is not Status.AWAITING_CIVIL_REGISTRY:
            return False  # resumed already (LetterSigned, then LetterIssued), or closed meanwhile
        self._resumed(letter_id, assessment_due)
        self._notice("resumed", notices.resumed())
        return True

    @event("Resumed")
    def _resumed(self, letter_id: UUID, due_at: dt.datetime) -> None:
        self.status = Status.AWAITING_ASSESSMENT
        self.due_at = due_at

    # -- the front desk -----------------------------------------------------------------------------
    def answer_question(self, answer: str, actor: Actor) -> None:
        """Proportional handling: a question is answered at the desk and the complaint closed."""
        if self.complaint_type is not ComplaintType.QUESTION:
            raise WrongState(f"only a question is answered and closed at the desk; this is a {self.complaint_type.value}")
        if self.status not in (Status.REGISTERED, Status.AWAITING_ASSESSMENT, Status.AWAITING_CIVIL_REGISTRY):
            raise WrongState(f"the complaint is {self.status.value}; it can no longer be answered at the desk")
        self._answered(answer, actor)
        self._notice("answered", notices.answered())

    @event("Answered")
    def _answered(self, answer: str, answered_by: Actor) -> None:
        self.status = Status.CLOSED
        self.closed_reason = ClosedReason.ANSWERED_AT_FRONT_OFFICE
        self.resolution = {"level": Level.FRONT_OFFICE.value, "outcome": Outcome.INFORMATION_GIVEN.value,
                           "note": answer, "by": answered_by.id}
        self.due_at = None

    def assess(self, *, field: ServiceField, programmes_needed: list[str], note: str | None, actor: Actor,
               due: dt.datetime, tz: dt.tzinfo) -> Level:
        if self.status is Status.REGISTERED:
            raise WrongState("the DTKS check of this complaint has not come back yet")
        if self.status is not Status.AWAITING_ASSESSMENT:
            raise WrongState(f"the complaint is {self.status.value}, not awaiting assessment")
        level = FIRST_LEVEL[self.channel]
        self._assessed(ServiceField(field).value, list(programmes_needed), note, level.value, due,
                       self.handling_seq + 1, actor)
        self._notice("handled", notices.handled_by(level, due, tz))
        return level

    @event("Assessed")
    def _assessed(self, field: str, programmes_needed: list[str], note: str | None, level: str,
                  due_at: dt.datetime, seq: int, assessed_by: Actor) -> None:
        self.field = ServiceField(field)
        self.programmes_needed = programmes_needed
        self._start_handling(Level(level), due_at, seq)
        self.history.append({"step": "assessed", "level": level, "note": note, "by": assessed_by.id})

    def _start_handling(self, level: Level, due_at: dt.datetime, seq: int) -> None:
        self.level, self.due_at, self.handling_seq = level, due_at, seq
        self.status = Status.REFERRED if self._open_referrals() else Status.IN_HANDLING

    # -- tiered handling ------------------------------------------------------------------------------
    def ensure_handles(self, actor: Actor) -> None:
        """The actor must work at the complaint's current level (admin may always act)."""
        if self.status not in HANDLING_STATUSES:
            raise WrongState(f"the complaint is {self.status.value}, not being handled at a level")
        if actor.role is Role.ADMIN:
            return
        assert self.level is not None
        if actor.role is not LEVEL_ROLE[Level(self.level)]:
            raise NotAtThisLevel(f"the complaint is at the {self.level} level; a {actor.role.value} cannot act on it")

    def escalate(self, *, to_level: Level | None, reason: EscalationReason, note: str | None, actor: Actor,
                 due: dt.datetime, tz: dt.tzinfo) -> Level:
        if reason is EscalationReason.MANUAL:
            self.ensure_handles(actor)
        elif self.status not in HANDLING_STATUSES:
            raise WrongState(f"the complaint is {self.status.value}; nothing to escalate")
        if to_level is None:
            raise WrongState(f"the {self.level} level is the highest of the district; resolve or refer it")
        self._escalated(Level(self.level).value, to_level.value, reason.value, note, due, self.handling_seq + 1, actor)
        self._notice("escalated", notices.escalated(to_level, due, tz))
        return to_level

    @event("Escalated")
    def _escalated(self, from_level: str, to_level: str, reason: str, note: str | None, due_at: dt.datetime,
                   seq: int, escalated_by: Actor) -> None:
        self._start_handling(Level(to_level), due_at, seq)
        self.history.append({"step": "escalated", "from": from_level, "to": to_level, "reason": reason,
                             "note": note, "by": escalated_by.id})

    def handling_overdue(self, seq: int, due_at: dt.datetime) -> Level:
        """The level's time standard passed: report it. Refused when the handling period moved on."""
        if self.status is not Status.IN_HANDLING or seq != self.handling_seq:
            # Over, or paused: while an agency has the case the referral service keeps its time.
            raise WrongState("that handling period is over or paused")
        level = Level(self.level)
        step = f"handling_{level.value}:{seq}"
        if step in self.overdue_steps:
            raise WrongState("already reported overdue")
        self._overdue(step, level.value, due_at)
        return level

    def step_overdue(self, step: str, waiting_in: Status, due_at: dt.datetime) -> None:
        if self.status is not waiting_in or step in self.overdue_steps:
            raise WrongState(f"the complaint is no longer waiting for {step}")
        self._overdue(step, None, due_at)

    @event("Overdue")
    def _overdue(self, step: str, level: str | None, due_at: dt.datetime) -> None:
        self.overdue_steps.append(step)

    # -- referrals (facts from the referral service) ----------------------------------------------------
    def _open_referrals(self) -> list[str]:
        return [rid for rid, r in self.referrals.items() if r["state"] in OPEN_REFERRAL_STATES]

    def note_referral(self, referral_id: UUID, agency: str, state: str, *, reason_given: bool,
                      due_if_back: dt.datetime) -> None:
        """A referral was sent, answered, revoked...: follow it; the handling deadline pauses while an
        agency has the case (the referral service keeps the agency's time standard)."""
        key = str(referral_id)
        before = self.referrals.get(key, {}).get("state")
        if before == state:
            return
        self._referral_noted(key, agency, state, due_if_back, self.handling_seq + 1)
        if self.status in HANDLING_STATUSES or state == "sent":
            self._notice(f"referral_{state}", notices.referral(agency, state, reason_given))

    @event("ReferralNoted")
    def _referral_noted(self, referral_id: str, agency: str, state: str, due_if_back: dt.datetime, seq: int) -> None:
        self.referrals[referral_id] = {"agency": agency, "state": state}
        if self.status not in HANDLING_STATUSES:
            return  # resolved or closed meanwhile: keep the fact only
        if self._open_referrals():
            self.status = Status.REFERRED
        elif self.status is Status.REFERRED:
            # Every agency has answered: the level takes the case back, with a fresh time standard.
            self._start_handling(Level(self.level), due_if_back, seq)

    # -- resolution, appeal, closing --------------------------------------------------------------------
    def resolve(self, *, outcome: Outcome, satisfaction: Satisfaction, note: str | None, actor: Actor,
                appeal_until: dt.datetime, tz: dt.tzinfo) -> None:
        self.ensure_handles(actor)
        self._resolved(Level(self.level).value, Outcome(outcome).value, Satisfaction(satisfaction).value, note,
                       appeal_until, actor)
        self._notice("resolved", notices.resolved(appeal_until, tz))

    @event("Resolved")
    def _resolved(self, level: str, outcome: str, satisfaction: str, note: str | None, appeal_until: dt.datetime,
                  resolved_by: Actor) -> None:
        self.status = Status.RESOLVED
        self.resolution = {"level": level, "outcome": outcome, "satisfaction": satisfaction, "note": note,
                           "by": resolved_by.id}
        self.appeal_until, self.due_at = appeal_until, None

    def appealed_level(self, now: dt.datetime, tz: dt.tzinfo) -> Level:
        """The level that resolved the case, if it may still be appealed at ``now``."""
        if self.status is Status.CLOSED and self.closed_reason is ClosedReason.APPEAL_WINDOW_ENDED:
            raise AppealWindowClosed("the appeal period of this complaint has ended; it is closed")
        if self.status is not Status.RESOLVED or self.resolution is None or self.appeal_until is None:
            raise WrongState(f"only a resolved complaint can be appealed; this one is {self.status.value}")
        if now > self.appeal_until:
            raise AppealWindowClosed(f"the appeal period ended on {self.appeal_until.astimezone(tz):%d-%m-%Y %H:%M}")
        return Level(self.resolution["level"])

    def appeal(self, *, reason: str, actor: Actor, now: dt.datetime, above: Level | None, due: dt.datetime,
               tz: dt.tzinfo) -> Level:
        from_level = self.appealed_level(now, tz)
        to_level = above or from_level  # the manager is the top of the district: appeals stay there
        self._appealed(self.appeals + 1, from_level.value, to_level.value, reason, due, self.handling_seq + 1, actor)
        self._notice("appealed", notices.appealed(to_level, due, tz))
        return to_level

    @event("Appealed")
    def _appealed(self, appeal_number: int, from_level: str, to_level: str, reason: str, due_at: dt.datetime,
                  seq: int, recorded_by: Actor) -> None:
        self.appeals = appeal_number
        self.history.append({"step": "appealed", "from": from_level, "to": to_level, "reason": reason,
                             "previous_resolution": self.resolution, "by": recorded_by.id})
        self.resolution, self.appeal_until = None, None
        self._start_handling(Level(to_level), due_at, seq)

    def close_after_appeal_window(self, now: dt.datetime) -> None:
        if self.status is not Status.RESOLVED:
            raise WrongState(f"the complaint is {self.status.value}, not resolved")
        assert self.appeal_until is not None
        if now < self.appeal_until:
            raise WrongState("the appeal period is still open")
        self._closed(ClosedReason.APPEAL_WINDOW_ENDED.value)

    @event("Closed")
    def _closed(self, reason: str) -> None:
        self.status = Status.CLOSED
        self.closed_reason = ClosedReason(reason)
        self.appeal_until = None

    # -- telling the citizen ----------------------------------------------------------------------------
    def _notice(self, kind: str, message: str) -> None:
        self._notice_queued(len(self.notices) + 1, kind, message)

    def queue_registered_notice(self) -> None:
        if not self.notices:
            self._notice("registered", notices.registered(self.receipt_number))

    @event("NoticeQueued")
    def _notice_queued(self, number: int, kind: str, message: str) -> None:
        self.notices.append({"number": number, "kind": kind, "message": message, "channel": None})

    def mark_notified(self, number: int, channel: str) -> None:
        notice = self.notices[number - 1] if 0 < number <= len(self.notices) else None
        if notice is None:
            raise WrongState(f"no notice {number}")
        if notice["channel"] is not None:
            raise WrongState(f"notice {number} was delivered already")
        self._citizen_notified(number, notice["kind"], channel)

    @event("CitizenNotified")
    def _citizen_notified(self, number: int, kind: str, channel: str) -> None:
        self.notices[number - 1]["channel"] = channel

    @property
    def tell_citizen(self) -> str | None:
        return self.notices[-1]["message"] if self.notices else None
