"""Staff commands on a complaint (desk answer, assessment, escalation, resolution, appeal, consent)
and the staff view of it, each scoped by role and region."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from slrt_contracts import Actor, Role, ServiceField
from slrt_contracts.events.intake import EscalationReason, Level, Outcome, Satisfaction
from slrt_contracts.nik import mask_nik
from slrt_runtime.errors import NotPermitted

from ..domain import DESK_ROLES, FIRST_LEVEL, HANDLING_ROLES, Complaint
from .base import IntakeBase


def _require(actor: Actor, roles: tuple[Role, ...] | frozenset[Role], what: str) -> None:
    if actor.role not in roles and actor.role is not Role.ADMIN:
        names = ", ".join(sorted(r.value for r in roles))
        raise NotPermitted(f"role {actor.role.value} may not {what}; needs one of: {names}")


class Handling(IntakeBase):
    def answer_question(self, complaint_id: UUID, actor: Actor, answer: str) -> dict[str, Any]:
        _require(actor, DESK_ROLES, "answer at the desk")
        self.change(complaint_id, actor, lambda c: c.answer_question(answer, actor))
        return self.view(complaint_id, actor)

    def assess(self, complaint_id: UUID, actor: Actor, *, field: ServiceField | None = None,
               programmes_needed: list[str] | None = None, note: str | None = None) -> dict[str, Any]:
        """Review and analysis (kaji dan petakan): map the complaint and hand it to its first level."""
        _require(actor, (*DESK_ROLES, Role.BACK_OFFICE), "assess a complaint")

        def assess(c: Complaint) -> None:
            due = self.rules.level_due(FIRST_LEVEL[c.channel], self.clock())
            c.assess(field=field or c.field, programmes_needed=programmes_needed or [], note=note, actor=actor,
                     due=due, tz=self.rules.timezone)

        self.change(complaint_id, actor, assess)
        return self.view(complaint_id, actor)

    def escalate(self, complaint_id: UUID, actor: Actor, reason: str) -> dict[str, Any]:
        """The level passes the case up, saying why."""
        def escalate(c: Complaint) -> None:
            c.ensure_handles(actor)
            above = self.rules.above(Level(c.level))
            due = self.rules.level_due(above, self.clock()) if above else self.clock()
            c.escalate(to_level=above, reason=EscalationReason.MANUAL, note=reason, actor=actor, due=due,
                       tz=self.rules.timezone)

        self.change(complaint_id, actor, escalate)
        return self.view(complaint_id, actor)

    def resolve(self, complaint_id: UUID, actor: Actor, *, outcome: Outcome, satisfaction: Satisfaction,
                note: str | None = None) -> dict[str, Any]:
        def resolve(c: Complaint) -> None:
            until = self.rules.due(self.rules.appeal_window, self.clock())
            c.resolve(outcome=outcome, satisfaction=satisfaction, note=note, actor=actor, appeal_until=until,
                      tz=self.rules.timezone)

        self.change(complaint_id, actor, resolve)
        return self.view(complaint_id, actor)

    def appeal(self, complaint_id: UUID, actor: Actor, reason: str) -> dict[str, Any]:
        """The complainant is not satisfied: recorded by the desk or facilitator within the window."""
        _require(actor, (*DESK_ROLES, Role.FACILITATOR), "record an appeal")

        def appeal(c: Complaint) -> None:
            now = self.clock()
            from_level = c.appealed_level(now, self.rules.timezone)
            above = self.rules.above(from_level)
            due = self.rules.level_due(above or from_level, now)
            c.appeal(reason=reason, actor=actor, now=now, above=above, due=due, tz=self.rules.timezone)

        self.change(complaint_id, actor, appeal)
        return self.view(complaint_id, actor)

    def record_consent(self, complaint_id: UUID, actor: Actor, consent: bool) -> dict[str, Any]:
        _require(actor, (*DESK_ROLES, Role.FACILITATOR), "record consent")
        self.change(complaint_id, actor, lambda c: c.record_consent(consent, actor))
        return self.view(complaint_id, actor)

    # -- the staff view ------------------------------------------------------------------------------
    def view(self, complaint_id: UUID, actor: Actor) -> dict[str, Any]:
        complaint = self.load(complaint_id)
        self.ensure_scope(actor, complaint)
        # Confidential by default: the identity only for the staff handling complaints in this region.
        sees_identity = actor.role in HANDLING_ROLES
        return {
            "complaint_id": complaint.id,
            "receipt_number": complaint.receipt_number,
            "registered_at": complaint.registered_at,
            "channel": complaint.channel,
            "complaint_type": complaint.complaint_type,
            "source": complaint.source,
            "programme": complaint.programme,
            "field": complaint.field,
            "region": complaint.region,
            "description": complaint.description,
            "nik_masked": mask_nik(complaint.nik),
            "registered_by": complaint.registered_by,
            "queue_number": complaint.queue_number,
            "status": complaint.status,
            "level": complaint.level,
            "due_at": complaint.due_at,
            "dtks": complaint.dtks,
            "programmes_needed": complaint.programmes_needed,
            "referrals": [{"referral_id": rid, **r} for rid, r in complaint.referrals.items()],
            "resolution": complaint.resolution,
            "appeal_until": complaint.appeal_until,
            "appeals": complaint.appeals,
            "overdue_steps": [s.split(":")[0] for s in complaint.overdue_steps],
            "consent_to_disclose": complaint.consent_to_disclose,
            "identity": complaint.identity if sees_identity else None,
            "identity_withheld": complaint.identity is not None and not sees_identity,
            "contact_phone": complaint.contact_phone if sees_identity else None,
            "tell_citizen": complaint.tell_citizen,
            "notices": [{"number": n["number"], "kind": n["kind"], "message": n["message"],
                         "delivered_by": n["channel"]} for n in complaint.notices],
            "history": complaint.history,
        }
