"""The RegistryCheck aggregate and the complaint handler: outcome only, once per complaint."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError
from slrt_contracts import ComplaintRegistered, DTKSChecked, DTKSStatus, Role
from slrt_dtks.application import DTKSApplication
from slrt_dtks.domain.checks import CheckNotFound, InvalidNikGiven, PersonNotFound, RegistryCheck, check_id_for
from slrt_dtks.entrypoints.messaging import consumers, to_contract
from slrt_dtks.adapters.synthetic import generate
from slrt_runtime.consumers import Delivery
from slrt_runtime.errors import DomainError
from slrt_runtime.settings import ServiceSettings

FIRST = next(generate("1605", 1, seed=7))  # in the extract_csv fixture


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path, extract_csv: Path) -> DTKSApplication:
    application = DTKSApplication(ServiceSettings(persistence=request.param, data_dir=tmp_path))
    application.registry.load_csv(extract_csv)
    return application


def deliver(app: DTKSApplication, event: ComplaintRegistered, notification_id: int = 1) -> bool:
    return app.check_complaint(Delivery(upstream="intake", notification_id=notification_id, event=event))


def stored_events(app: DTKSApplication) -> list:
    return [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 1000)]


def test_found_records_only_the_outcome(app: DTKSApplication, make_complaint: Callable) -> None:
    complaint = make_complaint(nik=FIRST["nik"])
    assert deliver(app, complaint)
    check = app.get_check(complaint.complaint_id)
    assert check["status"] is DTKSStatus.FOUND
    assert check["household_id"] == FIRST["household_id"]
    assert check["programmes"] == FIRST["programmes"].split(",")
    assert check["welfare_decile"] == int(FIRST["welfare_decile"])
    assert check["registry_version"] == app.registry.current_version()
    assert check["checked_by"].role is Role.SERVICE and check["checked_by"].id == "svc-dtks"
    # Privacy: neither the NIK nor the name is anywhere in what was stored.
    raw = b"".join(n.state for n in app.recorder.select_notifications(1, 1000))
    assert FIRST["nik"].encode() not in raw
    assert FIRST["name"].encode() not in raw and FIRST["family_card"].encode() not in raw


def test_not_found_and_no_nik(app: DTKSApplication, make_complaint: Callable) -> None:
    unknown = make_complaint(nik="1605034407990001", receipt="RK-1605-25-000002")
    without = make_complaint(nik=None, receipt="RK-1605-25-000003")
    deliver(app, unknown, 1)
    deliver(app, without, 2)
    assert app.get_check(unknown.complaint_id)["status"] is DTKSStatus.NOT_FOUND
    assert app.get_check(unknown.complaint_id)["programmes"] == []
    assert app.get_check(without.complaint_id)["status"] is DTKSStatus.NO_NIK


def test_redelivery_and_replay_make_no_second_check(app: DTKSApplication, make_complaint: Callable) -> None:
    complaint = make_complaint(nik=FIRST["nik"])
    assert deliver(app, complaint, 7)
    assert not deliver(app, complaint, 7)  # same notification: recognised by tracking
    assert deliver(app, complaint, 8)  # same complaint, another notification: check exists already
    assert not deliver(app, complaint, 8)
    assert len(stored_events(app)) == 1
    assert app.is_processed("intake", 7) and app.is_processed("intake", 8)


@pytest.mark.parametrize("notification_id", [7, 8], ids=["redelivery", "replay"])
def test_a_batch_holding_a_checked_complaint_commits_nothing_and_one_at_a_time_records_it(
    app: DTKSApplication, make_complaint: Callable, notification_id: int
) -> None:
    # In a batch nothing is looked up before it is saved: the commit fails as a whole, and the
    # consumer then takes its messages one by one (slrt_runtime.consumers).
    complaint, other = make_complaint(nik=FIRST["nik"]), make_complaint(nik=None, receipt="RK-1605-25-000004")
    assert deliver(app, complaint, 7)
    with pytest.raises(IntegrityError), app.batch():
        deliver(app, other, 9)
        deliver(app, complaint, notification_id)
    assert not app.is_processed("intake", 9) and len(stored_events(app)) == 1
    assert deliver(app, other, 9)
    assert deliver(app, complaint, notification_id) is (notification_id != 7)
    assert len(stored_events(app)) == 2 and app.is_processed("intake", notification_id)


def test_check_id_is_derived_from_the_complaint(make_complaint: Callable) -> None:
    complaint = make_complaint()
    assert check_id_for(complaint.complaint_id) == check_id_for(complaint.complaint_id)
    assert check_id_for(complaint.complaint_id) != check_id_for(make_complaint().complaint_id)


def test_aggregate_refuses_programmes_without_a_found_person(make_complaint: Callable) -> None:
    c = make_complaint()
    with pytest.raises(DomainError):
        RegistryCheck(complaint_id=c.complaint_id, receipt_number=c.receipt_number, region=c.region, field=c.field,
                      complaint_type=c.complaint_type, status=DTKSStatus.NOT_FOUND, household_id=None,
                      programmes=["PKH"], welfare_decile=None, registry_version="v", checked_by=c.recorded_by)


def test_contract_event(app: DTKSApplication, make_complaint: Callable) -> None:
    complaint = make_complaint(nik=FIRST["nik"])
    deliver(app, complaint)
    (created,) = stored_events(app)
    contract = to_contract(created)
    assert isinstance(contract, DTKSChecked)
    assert contract.subject() == "slrt.1605.dtks.complaint.checked"
    assert contract.complaint_id == complaint.complaint_id and contract.status is DTKSStatus.FOUND
    assert contract.region == complaint.region and contract.field == complaint.field
    assert contract.checked_at == created.timestamp
    body = json.loads(contract.model_dump_json())
    assert "nik" not in body and FIRST["nik"] not in contract.model_dump_json()
    assert to_contract(object()) is None


def test_no_registry_loaded_gives_not_found_without_version(make_complaint: Callable) -> None:
    app = DTKSApplication(ServiceSettings(persistence="memory"))
    complaint = make_complaint(nik=FIRST["nik"])
    deliver(app, complaint)
    check = app.get_check(complaint.complaint_id)
    assert check["status"] is DTKSStatus.NOT_FOUND and check["registry_version"] is None


def test_lookup_and_missing_check(app: DTKSApplication, make_complaint: Callable) -> None:
    assert app.lookup(FIRST["nik"]).name == FIRST["name"]
    assert app.lookup(" ".join([FIRST["nik"][:6], FIRST["nik"][6:12], FIRST["nik"][12:]])).nik == FIRST["nik"]
    with pytest.raises(InvalidNikGiven, match="16 digits"):
        app.lookup("12345")
    with pytest.raises(PersonNotFound):
        app.lookup("1605034407990001")
    with pytest.raises(CheckNotFound):
        app.get_check(make_complaint().complaint_id)


def test_consumer_wiring() -> None:
    settings = ServiceSettings(persistence="memory", district="1671", consumer_max_deliver=3)
    (consumer,) = consumers(DTKSApplication(settings), settings)
    assert consumer.subject == "slrt.1671.intake.complaint.registered"
    assert consumer.durable == "dtks-complaints-1671" and consumer.max_deliver == 3
    assert consumer.accepts == (ComplaintRegistered,)
