"""Events published by agencies (OPD) themselves, e.g. their answers to referrals.

An agency publishes only on its own subjects, ``slrt.{district}.agency.{agency}.>`` (its NATS
permission says so); the referral service checks that the body names the same agency as the subject
and that the referral is addressed to it, and dead-letters anything else with the reason.
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import Field, model_validator

from ..base import AgencyCode, ContractEvent
from ..values import Text
from .common import EXAMPLE_REFERRAL_ID, EXAMPLE_TIME
from .referral import ReferralDecision, ReferralOutcome


class ReferralAnswerSubmitted(ContractEvent):
    """An agency's answer to a referral addressed to it: a decision (accept / reject with a reason /
    further review) or, after accepting, the outcome. Publish it with ``Nats-Msg-Id`` = ``answer_id``:
    a re-sent answer then takes effect once."""

    event_name = "ReferralAnswerSubmitted"
    producer = "agency"
    subject_pattern = "slrt.{district}.agency.{agency}.referral.answer"
    entity_field = "referral_id"

    answer_id: uuid.UUID = Field(description="Chosen by the agency, unique per answer; also the Nats-Msg-Id")
    referral_id: uuid.UUID
    agency: AgencyCode
    decision: ReferralDecision | None = Field(default=None, description="Set for a decision; not with outcome")
    outcome: ReferralOutcome | None = Field(default=None, description="Set to report the outcome; not with decision")
    # Text: typed in by an agency's officer, like a request body (no control characters).
    reason: Text | None = Field(default=None, max_length=2000, description="Required when the decision is rejected")
    note: Text | None = Field(default=None, max_length=2000)
    answered_by: Text = Field(min_length=1, max_length=64, description="The agency officer's account id (no name)")
    answered_at: dt.datetime

    @model_validator(mode="after")
    def _one_kind_of_answer(self) -> ReferralAnswerSubmitted:
        if (self.decision is None) == (self.outcome is None):
            raise ValueError("give exactly one of decision or outcome")
        if self.decision is ReferralDecision.REJECTED and not (self.reason and self.reason.strip()):
            raise ValueError("a rejection needs a reason the citizen can be told")
        return self


def examples() -> list[ContractEvent]:
    return [
        ReferralAnswerSubmitted(
            district="1605",
            answer_id=uuid.UUID("3e9d7c1a-8b2f-4a6e-9c0d-1f2e3d4c5b06"),
            referral_id=EXAMPLE_REFERRAL_ID,
            agency="dinkes",
            decision=ReferralDecision.APPROVED,
            note="Diproses bidang pelayanan kesehatan",
            answered_by="dinkes-0007",
            answered_at=EXAMPLE_TIME + dt.timedelta(days=2),
        ),
    ]


EVENTS: tuple[type[ContractEvent], ...] = (ReferralAnswerSubmitted,)

SUBJECT_PARAMETERS: dict[str, dict[str, object]] = {}
"""Documentation of the subject placeholders this module adds (beyond district); ``agency`` is the
referral module's."""
