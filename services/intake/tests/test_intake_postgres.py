"""Intake on PostgreSQL (production backend): registration numbers, work queues and deadlines use
the same tables there. Skips with the reason when no server is reachable."""

from __future__ import annotations

import datetime as dt

import pytest
from slrt_contracts import Actor, DTKSStatus, Region, Role
from slrt_intake.application import IntakeApplication, Submission
from slrt_intake.application.queues import Queue, WorkQueues
from slrt_intake.application.deadlines import deadline_book
from slrt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.postgres


def test_queue_and_deadline_on_postgres(postgres_settings: ServiceSettings) -> None:
    settings = postgres_settings.model_copy(update={"district": "1605"})
    app = IntakeApplication(settings)
    region = Region(district="1605", subdistrict="160501", village="1605012003")
    puskesos = Actor(id="pk-1", role=Role.PUSKESOS, region=region.village)
    done = [app.register_complaint(puskesos, Submission(complaint_type="grievance", field="social", region=region,
                                                        description=f"Bantuan tidak diterima {i}")) for i in range(3)]
    assert [d.queue_number for d in done] == [1, 2, 3]
    cid = done[0].complaint_id
    complaint = app.load(cid)
    complaint.record_dtks_check(DTKSStatus.FOUND, programmes=[], household_id=None, prelist_proposal_id=None,
                                assessment_due=app.clock(), civil_registry_due=app.clock())
    app.save(complaint)
    app.assess(cid, puskesos)

    queues = WorkQueues(app)
    desk = queues.list(Queue.FRONT_OFFICE, puskesos)
    assert desk["total"] == 2 and desk["counts"] == {"registered": 2}
    handled = queues.list(Queue.PUSKESOS, puskesos)
    assert [item["complaint_id"] for item in handled["items"]] == [str(cid)]
    assert queues.complaint_id_by_receipt(done[1].receipt_number) == done[1].complaint_id

    book = deadline_book(app)
    book.fire_due(app.load(cid).due_at + dt.timedelta(seconds=1), app.on_due)
    assert app.load(cid).level == "supervisor"
    supervisor = Actor(id="sv-1", role=Role.SUPERVISOR, region=region.subdistrict)
    assert queues.list(Queue.SUPERVISOR, supervisor, overdue=True)["total"] == 1
