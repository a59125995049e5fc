"""The intake application: registration, staff commands and views, and its own reactions."""

from .base import utc_now
from .handling import Handling
from .reactions import CIVIL_REGISTRY_LETTER, Reactions
from .registration import Registered, Registration, Submission


class IntakeApplication(Registration, Handling, Reactions):
    name = "Intake"  # said again: eventsourcing names a subclass after itself (store file, upstream name)


__all__ = ["CIVIL_REGISTRY_LETTER", "IntakeApplication", "Registered", "Submission", "utc_now"]
