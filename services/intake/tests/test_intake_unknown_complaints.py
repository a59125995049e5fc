"""Other services' events about a complaint intake has never registered."""

from __future__ import annotations

import uuid

import pytest
from slrt_contracts import DTKSChecked, DTKSStatus, ReferralSent, Region, service_actor
from slrt_runtime.consumers import PermanentFailure

DISTRICT = "1605"
VILLAGE = {"district": "1605", "subdistrict": "160501", "village": "1605012003"}


def test_events_about_a_complaint_intake_does_not_know(intake) -> None:
    """A DTKS check of an unknown complaint can never succeed (dead-letter); a referral event about one
    is recorded as seen and changes nothing."""
    unknown, region = uuid.uuid4(), Region(**VILLAGE)
    stored = intake.app.recorder.max_notification_id()
    with pytest.raises(PermanentFailure, match="does not know"):
        intake.deliver(DTKSChecked(
            district=DISTRICT, complaint_id=unknown, receipt_number="RK-1605-26-999999", checked_at=intake.clock(),
            status=DTKSStatus.FOUND, field="health", complaint_type="grievance", region=region, programmes=[]),
            "on_dtks_checked", upstream="dtks")
    assert intake.deliver(ReferralSent(
        district=DISTRICT, referral_id=uuid.uuid4(), complaint_id=unknown, receipt_number="RK-1605-26-999999",
        agency="dinkes", field="health", complaint_type="grievance", dtks_status=DTKSStatus.FOUND, region=region,
        sent_at=intake.clock(), approved_by=service_actor("referral", DISTRICT)), "on_referral", "referral")
    assert intake.app.recorder.max_notification_id() == stored
