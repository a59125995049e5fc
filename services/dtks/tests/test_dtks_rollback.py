"""Rolling a wrong import back: an older registry version made active again, on every backend; the
complaints checked after it use it; the activation is recorded (who, when, from which, why) and
announced as any activation, once, also when the process died between the switch and the record."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from slrt_contracts import Actor, DTKSStatus, Role
from slrt_contracts.events.dtks import RegistryVersionActivated
from slrt_dtks.adapters.registry import RegistryStore
from slrt_dtks.adapters.registry.rollback import VersionNotActivatable, VersionUnknown
from slrt_dtks.adapters.synthetic import generate
from slrt_dtks.application import DTKSApplication
from slrt_dtks.domain.checks import check_id_for
from slrt_dtks.entrypoints.messaging import to_contract
from slrt_runtime.consumers import Delivery
from slrt_runtime.errors import InvalidTransition
from slrt_runtime.idempotency import IdempotentCall, current_call
from slrt_runtime.settings import ServiceSettings

OPERATOR = Actor(id="operator-1", role=Role.DTKS_OPERATOR, region="1605")
GOOD = list(generate("1605", 30, seed=3))
WRONG = GOOD[:20]  # an extract that lost a third of the district (two sub-districts missing, say)


def _actor() -> dict:
    return OPERATOR.model_dump(mode="json")


def test_an_older_version_is_active_again_on_every_backend(any_store: RegistryStore, write_extract: Callable) -> None:
    good = any_store.load_csv(write_extract(GOOD, "maret.csv"))
    wrong = any_store.load_csv(write_extract(WRONG, "april.csv"))
    assert any_store.find_by_nik(GOOD[25]["nik"]) is None

    back = any_store.reactivate(good.version, actor=_actor(), reason="April extract lacks two sub-districts")
    assert (back["version"], back["previous"], back["actor"]) == (good.version, wrong.version, _actor())
    assert (back["added"], back["removed"], back["changed"]) == (10, 0, 0)
    assert back["programme_changes"] == sum(len([p for p in r["programmes"].split(",") if p]) for r in GOOD[20:])
    assert any_store.status().version == good.version and any_store.status().rows == 30
    assert any_store.find_by_nik(GOOD[25]["nik"]) is not None  # readers follow the same pointer
    versions = {v["version"]: v for v in any_store.versions()}
    assert (versions[good.version]["status"], versions[wrong.version]["status"]) == ("active", "retired")
    assert versions[wrong.version]["kept"] and versions[good.version]["added"] == 30  # its import's summary stays
    assert any_store.activations() == [back]

    with pytest.raises(VersionNotActivatable, match="already the active one"):
        any_store.reactivate(good.version, actor=_actor(), reason="twice")
    with pytest.raises(VersionUnknown):
        any_store.reactivate("20990101-9-000000000000", actor=_actor(), reason="nope")

    # The next import is compared with the active version. Tables go when an import starts: then the
    # retired versions but the one active most recently lose their people: the rolled-back one here.
    newer = any_store.load_csv(write_extract(GOOD + list(generate("1605", 32, seed=3))[30:], "mei.csv"))
    assert (newer.previous_version, newer.added, newer.removed) == (good.version, 2, 0)
    latest = any_store.load_csv(write_extract(GOOD, "juni.csv"))
    assert {v["version"]: v["kept"] for v in any_store.versions()} == {
        latest.version: True, newer.version: True, good.version: True, wrong.version: False}
    with pytest.raises(VersionNotActivatable, match="no longer kept"):
        any_store.reactivate(wrong.version, actor=_actor(), reason="the wrong one after all")
    assert any_store.status().version == latest.version


def test_more_versions_are_kept_when_configured(tmp_path: Path, write_extract: Callable,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLRT_DTKS_KEEP_VERSIONS", "2")
    store = RegistryStore.for_settings(ServiceSettings(persistence="sqlite", data_dir=tmp_path / "data"))
    try:
        first, _, third = (store.load_csv(write_extract(GOOD[:n], f"{n}.csv")) for n in (10, 20, 30))
        # Two back: the first version is still there, and an undo of the rollback is possible too.
        assert store.reactivate(first.version, actor=_actor(), reason="back two versions")["removed"] == 20
        assert store.reactivate(third.version, actor=_actor(), reason="undo the rollback")["added"] == 20
        assert store.status().rows == 30
    finally:
        store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> ServiceSettings:
    if request.param == "postgres":
        return request.getfixturevalue("postgres_settings").model_copy(update={"district": "1605"})
    return ServiceSettings(persistence="sqlite", district="1605", data_dir=tmp_path / "data")


@pytest.fixture
def application(settings: ServiceSettings) -> Iterator[DTKSApplication]:
    app = DTKSApplication(settings)
    yield app
    app.registry.close()
    app.close()


def _announced(app: DTKSApplication) -> list[RegistryVersionActivated]:
    events = [to_contract(app.mapper.to_domain_event(n)) for n in app.recorder.select_notifications(1, 1000)]
    return [e for e in events if isinstance(e, RegistryVersionActivated)]


def test_a_wrong_import_rolled_back_checks_complaints_against_the_older_version(
        application: DTKSApplication, settings: ServiceSettings, write_extract: Callable,
        make_complaint: Callable) -> None:
    app = application
    good = app.import_extract(write_extract(GOOD, "maret.csv"))
    wrong = app.import_extract(write_extract(WRONG, "april.csv"))
    missing = GOOD[25]["nik"]
    before = make_complaint(nik=missing)
    app.check_complaint(Delivery("intake", 1, before))
    assert app.get_check(before.complaint_id)["status"] is DTKSStatus.NOT_FOUND

    # The operator's command, as the HTTP layer runs it: with the request's Idempotency-Key.
    call = IdempotentCall(key=f"key-{uuid.uuid4()}", fingerprint="f", subject="operator-1")
    token = current_call.set(call)
    try:
        activation = app.reactivate_version(OPERATOR, good.version, "April extract lacks two sub-districts")
        assert call.recorded  # the key went into the event's transaction
        # A retry of the same request (its answer lost) answers the same activation, switching nothing.
        assert app.reactivate_version(OPERATOR, good.version, "April extract lacks two sub-districts") == activation
        with pytest.raises(InvalidTransition, match="Idempotency-Key"):  # the same key, another version
            app.reactivate_version(OPERATOR, wrong.version, "another request, same key")
    finally:
        current_call.reset(token)
    assert app.registry.activations() == [activation]

    after = make_complaint(nik=missing, receipt="RK-1605-25-000002")
    app.check_complaint(Delivery("intake", 2, after))
    check = app.get_check(after.complaint_id)
    assert (check["status"], check["registry_version"]) == (DTKSStatus.FOUND, good.version)

    # Announced like any activation: counts only, the version replaced as previous_version.
    announced = _announced(app)
    assert [a.registry_version for a in announced] == [good.version, wrong.version, good.version]
    last = announced[-1]
    assert (last.previous_version, last.added, last.removed, last.rows, last.source) == (
        wrong.version, 10, 0, 30, "maret.csv")
    assert last.subject() == "slrt.1605.dtks.registry.activated"
    assert "sub-districts" not in last.model_dump_json()  # the reason stays in the service
    record = app.repository.get(check_id_for(after.complaint_id))
    assert record.registry_version == good.version
    assert app.announce_versions() == 0  # each recorded once


def test_an_activation_switched_but_not_recorded_is_recorded_at_start(
        settings: ServiceSettings, write_extract: Callable) -> None:
    app = DTKSApplication(settings)
    try:
        good = app.import_extract(write_extract(GOOD, "maret.csv"))
        app.import_extract(write_extract(WRONG, "april.csv"))
        # The registry's transaction committed, then the process died before the event was saved.
        app.registry.reactivate(good.version, actor=_actor(), reason="died right after the switch")
        assert len(_announced(app)) == 2
    finally:
        app.registry.close()
        app.close()
    restarted = DTKSApplication(settings)
    try:
        assert restarted.announce_versions() == 1  # what main.build does at start
        last = _announced(restarted)[-1]
        assert (last.registry_version, last.added) == (good.version, 10)
        assert restarted.announce_versions() == 0
    finally:
        restarted.registry.close()
        restarted.close()
