"""Which stored complaint events open or close a deadline (``slrt_runtime.deadlines``).

Keys, one open deadline each per complaint:
  ``<id>:assessment``      review and analysis after the DTKS check      → overdue (report only)
  ``<id>:civil_registry``  waiting for the rec-civil-registry letter      → overdue (report only)
  ``<id>:handling``        the current level's time standard             → escalate (report + pass up)
  ``<id>:appeal``          the appeal window after a resolution          → close
  ``<id>:notice:<n>``      a queued notice to deliver, due at once       → notify
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from slrt_runtime.deadlines import ClearDeadline, Deadline, DeadlineBook

from . import IntakeApplication
from ..domain import Complaint, Status

Change = Deadline | ClearDeadline
AT_ONCE = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
"""Due date of a queued notice: due as soon as the watcher runs, whatever the clocks say."""


EVENTS = (Complaint.NoticeQueued, Complaint.CitizenNotified, Complaint.DTKSRecorded, Complaint.Resumed,
          Complaint.Assessed, Complaint.Escalated, Complaint.Appealed, Complaint.ReferralNoted, Complaint.Resolved,
          Complaint.Answered, Complaint.Closed)
"""Every event class ``deadlines_of`` matches: the book reads no other (the registration, queue numbers...)."""


def deadlines_of_for(app: IntakeApplication) -> Callable[[Any], list[Change]]:
    def deadlines_of(event: Any) -> list[Change]:
        cid = event.originator_id

        def key(step: str) -> str:
            return f"{cid}:{step}"

        def handling(due_at: Any, seq: int) -> Deadline:
            return Deadline(key("handling"), due_at, "escalate", cid, {"seq": seq})

        def waiting(step: str, due_at: Any, status: Status) -> Deadline:
            return Deadline(key(step), due_at, "overdue", cid, {"step": step, "waiting_in": status.value})

        match event:
            case Complaint.NoticeQueued():
                return [Deadline(key(f"notice:{event.number}"), AT_ONCE, "notify", cid,
                                 {"number": event.number})]
            case Complaint.CitizenNotified():
                return [ClearDeadline(key(f"notice:{event.number}"))]
            case Complaint.DTKSRecorded() if event.due_at is not None:
                if event.next_status == Status.AWAITING_CIVIL_REGISTRY:
                    return [waiting("civil_registry", event.due_at, Status.AWAITING_CIVIL_REGISTRY)]
                return [waiting("assessment", event.due_at, Status.AWAITING_ASSESSMENT)]
            case Complaint.Resumed():
                return [ClearDeadline(key("civil_registry")),
                        waiting("assessment", event.due_at, Status.AWAITING_ASSESSMENT)]
            case Complaint.Assessed():
                return [ClearDeadline(key("assessment")), handling(event.due_at, event.seq)]
            case Complaint.Escalated():
                return [handling(event.due_at, event.seq)]
            case Complaint.Appealed():
                return [ClearDeadline(key("appeal")), handling(event.due_at, event.seq)]
            case Complaint.ReferralNoted():
                # Paused while an agency has the case; a fresh period when every referral is settled.
                complaint: Complaint = app.repository.get(cid, version=event.originator_version)
                if complaint.status is Status.REFERRED:
                    return [ClearDeadline(key("handling"))]
                if complaint.status is Status.IN_HANDLING and complaint.handling_seq == event.seq:
                    return [handling(event.due_if_back, event.seq)]
                return []
            case Complaint.Resolved():
                return [ClearDeadline(key("handling")), Deadline(key("appeal"), event.appeal_until, "close", cid)]
            case Complaint.Answered():
                return [ClearDeadline(key(step)) for step in ("assessment", "civil_registry", "handling")]
            case Complaint.Closed():
                return [ClearDeadline(key("appeal"))]
        return []

    return deadlines_of


def deadline_book(app: IntakeApplication) -> DeadlineBook:
    return DeadlineBook(app, deadlines_of_for(app), events=EVENTS)
