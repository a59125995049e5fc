"""Vocabulary shared by the events of several producers, and the fixed values their examples use."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from ..base import Region


class Channel(StrEnum):
    FRONT_OFFICE = "front_office"  # SLRT secretariat walk-in
    PUSKESOS = "puskesos"
    FACILITATOR = "facilitator"


class ComplaintType(StrEnum):
    QUESTION = "question"  # asks for information
    SUGGESTION = "suggestion"  # idea to improve a programme
    GRIEVANCE = "grievance"  # dissatisfaction: membership, implementation, misuse


class ServiceField(StrEnum):
    """The back-office field (bidang) a complaint belongs to."""

    HEALTH = "health"
    EDUCATION = "education"
    SOCIAL = "social"
    ECONOMY = "economy"
    CIVIL_REGISTRY = "civil_registry"


# Synthetic values the examples of every module share, so the examples tell one story.
EXAMPLE_TIME = dt.datetime(2025, 3, 4, 2, 15, tzinfo=dt.timezone.utc)
EXAMPLE_COMPLAINT_ID = uuid.UUID("0d3c3f5e-6a0b-4c1e-9a57-1b2f4f5e8c01")
EXAMPLE_REFERRAL_ID = uuid.UUID("7a4e2b9c-3d51-4f08-8b6e-52c9d0a1e702")
EXAMPLE_LETTER_ID = uuid.UUID("c2b8e6d4-91f3-4a27-b05d-8e3f6a7c4d03")
EXAMPLE_RECEIPT = "RK-1605-25-000001"
EXAMPLE_REGION = Region(district="1605", subdistrict="160501", village="1605012001")
