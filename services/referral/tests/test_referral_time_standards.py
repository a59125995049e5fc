"""The agency answers within the programme's time standard; missed, the referral is overdue once,
and the agency's inbox shows it."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import partial

from fastapi.testclient import TestClient
from slrt_contracts import Actor, Region, Role
from slrt_referral.application import ReferralApplication
from slrt_referral.domain import Complaint
from slrt_referral.main import build
from slrt_referral.entrypoints.messaging import to_contract
from slrt_referral.application.deadlines import deadline_book, on_due
from slrt_runtime.settings import ServiceSettings


def overdue_events(office) -> list:
    app = office.app
    events = [to_contract(app.mapper.to_domain_event(n), app) for n in app.recorder.select_notifications(1, 1000)]
    return [e for e in events if e is not None and e.event_name == "ReferralOverdue"]


def test_missed_answer_is_reported_overdue_once_and_further_review_restarts_the_clock(office, clock) -> None:
    app, book = office.app, deadline_book(office.app)
    handle = partial(on_due, app)
    dinkes = office.as_("agency", agency="dinkes")
    # Sent on Monday 2 March 2026, 09:00 WIB; JAMKESDA: 3 working days -> Thursday 09:00 WIB.
    referral = office.sent(office.complaint(), "JAMKESDA")
    due = dt.datetime.fromisoformat(office.get(f"/referrals/{referral}", dinkes).json()["answer_due_at"])
    assert due == dt.datetime(2026, 3, 5, 2, 0, tzinfo=dt.timezone.utc)
    answered_in_time = office.sent(office.complaint(), "JAMKESDA")
    office.post(answered_in_time, "answer", dinkes, decision="approved")

    assert book.fire_due(due - dt.timedelta(minutes=1), handle) == []
    fired = book.fire_due(due + dt.timedelta(minutes=1), handle)
    assert [d.aggregate_id for d in fired] == [app.get_referral(referral)["referral_id"]]
    assert book.fire_due(due + dt.timedelta(days=1), handle) == [], "fires once per due time"
    (overdue,) = overdue_events(office)
    assert overdue.step == "agency_answer" and overdue.due_at == due and overdue.region.village == "1605012003"
    assert overdue.subject() == "slrt.1605.referral.dinkes.overdue"
    inbox = office.get("/referrals/inbox", dinkes, overdue=True).json()
    assert [row["referral_id"] for row in inbox["items"]] == [referral]

    # Running the handler again for the same deadline changes nothing.
    on_due(app, fired[0])
    assert len(overdue_events(office)) == 1

    # The agency asks for further review (late): a new answer time from now, not yet missed.
    clock.now = due + dt.timedelta(days=1)
    office.post(referral, "answer", dinkes, decision="further_review")
    assert office.get("/referrals/inbox", dinkes, overdue=True).json()["total"] == 0
    new_due = dt.datetime.fromisoformat(office.get(f"/referrals/{referral}", dinkes).json()["answer_due_at"])
    assert new_due > clock.now
    assert book.fire_due(new_due - dt.timedelta(seconds=1), handle) == []
    assert len(book.fire_due(new_due + dt.timedelta(seconds=1), handle)) == 1
    assert len(overdue_events(office)) == 2
    # A final answer stops the clock.
    office.post(referral, "answer", dinkes, decision="approved")
    assert [d for d in book.open_deadlines() if str(d.aggregate_id) == referral] == []


def test_deadlines_and_queues_survive_a_restart(tmp_path, clock) -> None:
    settings = ServiceSettings(persistence="sqlite", data_dir=tmp_path, district="1605")
    app = ReferralApplication(settings, clock=clock)
    TestClient(build(settings, with_messaging=False, application=app))  # seeds the catalogue
    complaint = Complaint(complaint_id=uuid.uuid4(), receipt_number="RK-1605-26-000009",
                          region=Region(district="1605", subdistrict="160501", village="1605012003"),
                          field="education", complaint_type="grievance")
    complaint.register(None, False)
    complaint.check("found", [])
    app.save(complaint)
    referral = app.propose(complaint.complaint_id, "KIP", None, Actor(id="bo", role=Role.BACK_OFFICE, region="1605"))
    app.approve(referral, Actor(id="m", role=Role.MANAGER, region="1605"))
    deadline_book(app).catch_up()
    del app

    restarted = ReferralApplication(settings, clock=clock)  # same SQLite file, new process
    book = deadline_book(restarted)
    (open_deadline,) = book.open_deadlines()
    assert open_deadline.aggregate_id == referral
    fired = book.fire_due(clock.now + dt.timedelta(days=40), partial(on_due, restarted))  # KIP: 1 month
    assert len(fired) == 1 and restarted.get_referral(referral)["overdue"] is True
    # The agency inbox (a table in the same SQLite file) has it, marked overdue.
    inbox = restarted.queues.query(Actor(id="k", role=Role.AGENCY, region="1605", agency="kemendikbud-pip"),
                                   filters={}, overdue=True)
    assert [row["referral_id"] for row in inbox["items"]] == [str(referral)]
