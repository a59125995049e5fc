"""Referral facts on the public timeline and in the referral-outcome read model: the agency's answer is
one event (``ReferralAnswered``) whose ``decision`` says accepted, rejected or further review, and a
redirect names the agency the referral went to."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from slrt_contracts import ContractEvent
from slrt_contracts.events.intake import examples as intake_examples
from slrt_contracts.events.referral import ReferralDecision, examples
from slrt_monitoring.main import build
from slrt_monitoring.application.dashboard import counts
from slrt_monitoring.domain.periods import Period
from slrt_runtime.consumers import Delivery
from slrt_runtime.settings import ServiceSettings

EXAMPLES = {e.event_name: e for e in examples()}
RECEIPT = EXAMPLES["ReferralSent"].receipt_number
HOUR = dt.timedelta(hours=1)


def referral_event(name: str, referral_id: uuid.UUID, at: dt.datetime, **update: object) -> ContractEvent:
    time_field = {"ReferralSent": "sent_at", "ReferralAnswered": "answered_at",
                  "ReferralRedirected": "redirected_at", "ReferralOutcomeReported": "reported_at"}[name]
    template = EXAMPLES[name]
    fields = {"referral_id": referral_id, time_field: at, **update}
    return template.model_copy(update={k: v for k, v in fields.items() if k in type(template).model_fields})


def test_the_decision_of_the_answer_drives_the_timeline_and_the_outcome_counts(tmp_path: Path) -> None:
    client = TestClient(build(ServiceSettings(district="1605", data_dir=tmp_path), with_messaging=False))
    view = client.app.state.view
    sent_at = EXAMPLES["ReferralSent"].sent_at
    accepted, rejected, reviewing, redirected = (uuid.uuid4() for _ in range(4))
    story = [
        referral_event("ReferralSent", accepted, sent_at),
        referral_event("ReferralAnswered", accepted, sent_at + HOUR, decision=ReferralDecision.FURTHER_REVIEW),
        referral_event("ReferralAnswered", accepted, sent_at + 2 * HOUR, decision=ReferralDecision.APPROVED),
        referral_event("ReferralSent", rejected, sent_at + 3 * HOUR),
        referral_event("ReferralAnswered", rejected, sent_at + 4 * HOUR, decision=ReferralDecision.REJECTED),
        referral_event("ReferralSent", reviewing, sent_at + 5 * HOUR),
        referral_event("ReferralAnswered", reviewing, sent_at + 6 * HOUR, decision=ReferralDecision.FURTHER_REVIEW),
        referral_event("ReferralSent", redirected, sent_at + 7 * HOUR),
        referral_event("ReferralRedirected", redirected, sent_at + 8 * HOUR, redirected_to_agency="bpjs-kesehatan"),
    ]
    registered = next(e for e in intake_examples() if e.event_name == "ComplaintRegistered")
    assert view.apply(Delivery("intake", 1, registered.model_copy(update={
        "complaint_id": story[0].complaint_id, "receipt_number": RECEIPT, "registered_at": sent_at - HOUR})))
    for n, event in enumerate(story, start=1):
        assert view.apply(Delivery("referral", n, event))

    steps = client.get(f"/public/track/{RECEIPT}").json()["timeline"]
    labels = [s["label"] for s in steps if s["event"] in ("ReferralAnswered", "ReferralRedirected")]
    assert labels == [
        "Dinas Kesehatan meninjau rujukan lebih lanjut",
        "Dinas Kesehatan menyetujui rujukan",
        "Dinas Kesehatan menolak rujukan; petugas akan menjelaskan alasannya",
        "Dinas Kesehatan meninjau rujukan lebih lanjut",
        "Rujukan dialihkan ke BPJS Kesehatan",
    ]
    assert all(story[-1].reason not in s["label"] for s in steps)  # reasons never reach a public page

    # Per agency, programme and status: the latest answer of each referral (a redirected one keeps its agency).
    by_status = counts(view.store, "1605", Period.parse(None))["referral"]
    assert by_status == {"dinkes|JAMKESDA|accepted": 1, "dinkes|JAMKESDA|rejected": 1,
                         "dinkes|JAMKESDA|further_review": 1, "dinkes|JAMKESDA|redirected": 1}
