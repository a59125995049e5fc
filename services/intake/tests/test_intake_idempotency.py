"""A desk that retries never registers twice: the Idempotency-Key over HTTP."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from httpx import Response

from slrt_intake.application import IntakeApplication
from slrt_intake.main import build
from slrt_runtime.settings import ServiceSettings
from starlette.testclient import TestClient

from .conftest import DISTRICT, Clock, Intake, complaint


@pytest.fixture(params=["memory", "sqlite"])
def intake(request: pytest.FixtureRequest, clock: Clock, tmp_path: Path) -> Iterator[Intake]:
    """Here also on SQLite: there the command and the lookups go through the store's writer thread."""
    settings = ServiceSettings(persistence=request.param, district=DISTRICT, data_dir=tmp_path / "data")
    application = IntakeApplication(settings, clock=clock)
    yield Intake(TestClient(build(settings, with_messaging=False, application=application)), clock)
    application.close()


def registration(intake: Intake, key: str, **body: object) -> Response:
    return intake.client.post("/complaints", json=complaint(**body),
                              headers={**intake.token(), "Idempotency-Key": key})


def test_a_retried_registration_answers_the_first_receipt(intake: Intake) -> None:
    key = str(uuid.uuid4())
    first = registration(intake, key)
    again = registration(intake, key)
    assert first.status_code == 201
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert intake.app.recorder.max_notification_id() == len(
        intake.app.recorder.select_notifications(1, 1000))  # nothing written twice
    assert registration(intake, str(uuid.uuid4())).json()["receipt_number"] != first.json()["receipt_number"]


def test_the_same_key_for_another_complaint_is_refused(intake: Intake) -> None:
    key = str(uuid.uuid4())
    assert registration(intake, key).status_code == 201
    other = registration(intake, key, description="Another matter altogether")
    assert other.status_code == 409
    assert other.json()["error"] == "IdempotencyKeyReused"


def test_keys_belong_to_their_caller(intake: Intake) -> None:
    key = str(uuid.uuid4())
    mine = registration(intake, key)
    theirs = intake.client.post("/complaints", json=complaint(), headers={
        **intake.token(role="front_office", region="1605012003"), "Idempotency-Key": key})
    assert theirs.status_code == 201
    assert theirs.json()["receipt_number"] != mine.json()["receipt_number"]


def test_after_a_crash_between_commit_and_answer_the_retry_finds_the_complaint(intake: Intake) -> None:
    key = str(uuid.uuid4())
    first = registration(intake, key).json()
    # As if the process died after the commit, before the response was stored.
    store: Any = intake.app.commands
    if hasattr(store, "responses"):  # in memory
        for stored_key, stored in list(store.responses.items()):
            store.responses[stored_key] = type(stored)(stored.fingerprint, stored.subject, None, b"", "")
    else:
        store.committer.run(lambda _tx: None)  # queued behind the response stored after the answer
        with store.datastore.transaction(commit=True) as c:
            c.execute("UPDATE slrt_idempotency SET status = NULL, body = NULL, content_type = NULL")
    retry = registration(intake, key)
    assert retry.status_code == 200  # found, not registered again
    assert retry.json()["receipt_number"] == first["receipt_number"]
    assert retry.json()["queue_number"] == first["queue_number"]
    assert registration(intake, key).json() == retry.json()  # and now it is stored


def test_a_bad_key_is_refused_before_anything_happens(intake: Intake) -> None:
    r = registration(intake, "not a key with spaces")
    assert r.status_code == 422
    assert intake.app.recorder.max_notification_id() in (None, 0)


def test_requests_without_a_key_behave_as_before(intake: Intake) -> None:
    a = intake.client.post("/complaints", json=complaint(), headers=intake.token())
    b = intake.client.post("/complaints", json=complaint(), headers=intake.token())
    assert a.status_code == b.status_code == 201
    assert a.json()["receipt_number"] != b.json()["receipt_number"]


def test_a_keyed_request_verifies_its_token_once(intake: Intake, monkeypatch: pytest.MonkeyPatch) -> None:
    headers = {**intake.token(), "Idempotency-Key": str(uuid.uuid4())}
    authenticator = intake.client.app.state.authenticator  # type: ignore[attr-defined]
    verified = []
    original = authenticator.authenticate
    monkeypatch.setattr(authenticator, "authenticate", lambda token: verified.append(token) or original(token))
    assert intake.client.post("/complaints", json=complaint(), headers=headers).status_code == 201
    assert len(verified) == 1  # by the idempotency middleware; the endpoint reuses its answer


def test_a_key_sent_again_after_its_record_was_pruned_finds_its_complaint(intake: Intake) -> None:
    key = str(uuid.uuid4())
    first = registration(intake, key)
    assert first.status_code == 201
    intake.app.commands.prune_responses(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))  # past the retention
    events = intake.app.recorder.max_notification_id()
    again = registration(intake, key)
    assert again.status_code == 200  # the complaint's id derives from the key: found, not registered twice
    assert again.json()["receipt_number"] == first.json()["receipt_number"]
    assert intake.app.recorder.max_notification_id() == events
