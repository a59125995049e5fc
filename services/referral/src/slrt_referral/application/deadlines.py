"""Time standard of a referral: the agency answers within the programme's time (from the catalogue),
counted from the sending, and again from a request for further review. Missed → ReferralOverdue.

The deadlines are a projection of the referral's own events (slrt_runtime.deadlines), so they
survive restarts and fire once per due time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from slrt_runtime.deadlines import ClearDeadline, Deadline, DeadlineBook

from ..domain import Referral
from ..domain.referrals import ANSWER_STEP

if TYPE_CHECKING:
    from . import ReferralApplication

OVERDUE = "referral_overdue"


def _answer_due(referral_id: Any, due_at: dt.datetime) -> Deadline:
    # The exact due time travels in data: the index stores it as a float, which may lose a microsecond.
    return Deadline(key=f"{referral_id}:{ANSWER_STEP}", due_at=due_at, action=OVERDUE, aggregate_id=referral_id,
                    data={"due_at": due_at.isoformat()})


EVENTS = (Referral.Sent, Referral.Answered, Referral.OutcomeReported, Referral.Revoked, Referral.Redirected)
"""Every event class ``deadlines_of`` matches: the book reads no other (complaints, DTKS results...)."""


def deadlines_of(domain_event: Any) -> Iterable[Deadline | ClearDeadline]:
    key = f"{getattr(domain_event, 'originator_id', '')}:{ANSWER_STEP}"
    match domain_event:
        case Referral.Sent():
            return [_answer_due(domain_event.originator_id, domain_event.answer_due_at)]
        case Referral.Answered(answer_due_at=due) if due is not None:  # further review: the clock restarts
            return [_answer_due(domain_event.originator_id, due)]
        case Referral.Answered() | Referral.OutcomeReported() | Referral.Revoked() | Referral.Redirected():
            return [ClearDeadline(key)]
    return []


def deadline_book(app: ReferralApplication) -> DeadlineBook:
    return DeadlineBook(app, deadlines_of, events=EVENTS)


def on_due(app: ReferralApplication, deadline: Deadline) -> None:
    """Record the missed answer (once: a second run finds it recorded and does nothing)."""
    if deadline.action == OVERDUE and deadline.aggregate_id is not None:
        app.mark_overdue(deadline.aggregate_id, dt.datetime.fromisoformat(deadline.data["due_at"]))
