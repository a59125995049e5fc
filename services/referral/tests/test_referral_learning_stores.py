"""Complaints learnt from intake and dtks on the real stores (SQLite and PostgreSQL): created without
a read, so a complaint the store already holds (an older store's, or a check seen twice) shows up as a
conflict at commit, which must roll back only that message's effect and then be resolved."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError
from slrt_contracts import Actor, Channel, ComplaintRegistered, DTKSChecked, Region, Role
from slrt_contracts.events.intake import ComplaintIdentity
from slrt_referral.application import ReferralApplication
from slrt_referral.domain import Complaint
from slrt_runtime.consumers import Delivery
from slrt_runtime.settings import ServiceSettings

REGION = Region(district="1605", subdistrict="160501", village="1605012003")
BACK_OFFICE = Actor(id="bo-1", role=Role.BACK_OFFICE, region="1605")


@pytest.fixture(params=["sqlite", "postgres"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReferralApplication]:
    if request.param == "sqlite":
        settings = ServiceSettings(persistence="sqlite", district="1605", data_dir=tmp_path / "data")
    else:
        settings = request.getfixturevalue("postgres_settings").model_copy(update={"district": "1605"})
    application = ReferralApplication(settings)
    application.seed_catalogue()
    yield application
    application.close()


def arrivals(n: int, dtks_status: str = "found") -> tuple[uuid.UUID, ComplaintRegistered, DTKSChecked]:
    complaint_id, receipt = uuid.uuid4(), f"RK-1605-26-{n:06d}"
    now = dt.datetime.now(dt.timezone.utc)
    common = dict(district="1605", complaint_id=complaint_id, receipt_number=receipt, region=REGION,
                  field="health", complaint_type="grievance")
    return complaint_id, ComplaintRegistered(
        **common, registered_at=now, channel=Channel.FRONT_OFFICE, nik="1605014107800001",
        recorded_by=Actor(id="fo", role=Role.FRONT_OFFICE, region="1605"),
        identity=ComplaintIdentity(name="Warga Sintetis", consent_to_disclose=True),
    ), DTKSChecked(**common, checked_at=now, status=dtks_status, programmes=["PKH"])


def test_a_batch_learns_registrations_and_checks_in_either_order(app: ReferralApplication) -> None:
    learnt = [arrivals(n) for n in range(1, 5)]
    with app.batch():
        for n, (_, registered, checked) in enumerate(learnt):
            if n % 2:
                app.on_complaint_checked(Delivery("dtks", n + 1, checked))
            app.on_complaint_registered(Delivery("intake", n + 1, registered))
    with app.batch():
        for n, (_, _, checked) in enumerate(learnt):
            if not n % 2:
                app.on_complaint_checked(Delivery("dtks", n + 1, checked))
    for complaint_id, _, _ in learnt:
        complaint = app._complaint(complaint_id)
        assert complaint.identity == {"nik": "1605014107800001", "name": "Warga Sintetis"}
        assert complaint.consent_to_disclose and app._dtks(complaint) == ("found", ["PKH"])
    assert app.recorder.max_notification_id() == 2 * len(learnt) + 1, "one event each (and the catalogue)"


def test_what_the_store_holds_already_rolls_back_the_batch_then_takes_effect_alone(app: ReferralApplication) -> None:
    older_id, registered, checked = arrivals(1)
    # As an older version stored a complaint whose DTKS check came first: noted, carrying the check.
    noted = Complaint(complaint_id=older_id, receipt_number=registered.receipt_number, region=REGION,
                      field="health", complaint_type="grievance")
    noted.check("found", ["PKH"])
    app.save(noted)
    new_id, new_registration, new_check = arrivals(2)
    app.on_complaint_checked(Delivery("dtks", 1, new_check))
    stored = app.recorder.max_notification_id()

    with pytest.raises(IntegrityError), app.batch():  # nothing of a failed batch is kept
        app.on_complaint_registered(Delivery("intake", 1, new_registration))
        app.on_complaint_registered(Delivery("intake", 2, registered))
    assert app.recorder.max_notification_id() == stored and not app.is_processed("intake", 1)

    # One message at a time, as the consumer then goes on: each takes effect once.
    app.on_complaint_registered(Delivery("intake", 1, new_registration))
    app.on_complaint_registered(Delivery("intake", 2, registered))
    app.on_complaint_registered(Delivery("intake", 2, registered))  # redelivered
    _, _, again = arrivals(3, dtks_status="not_found")
    app.on_complaint_checked(Delivery("dtks", 2, again.model_copy(update={"complaint_id": new_id})))
    assert app.is_processed("intake", 2) and app.is_processed("dtks", 2)
    for complaint_id in (older_id, new_id):
        assert app._dtks(app._complaint(complaint_id)) == ("found", ["PKH"]), "the first check stands"
        assert app.propose(complaint_id, "JAMKESDA", None, BACK_OFFICE)
