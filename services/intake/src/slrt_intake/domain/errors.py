"""Domain errors of intake; the HTTP layer maps each kind to one status code. No personal data in messages."""

from slrt_runtime.errors import DomainError, InvalidTransition, NotFound, NotPermitted


class ComplaintNotFound(NotFound):
    pass


class OutsideDistrict(DomainError):
    pass


class DuplicateSubmission(InvalidTransition):
    """The client's complaint id was used before for different content."""


class WrongState(InvalidTransition):
    pass


class AppealWindowClosed(InvalidTransition):
    pass


class NotAtThisLevel(NotPermitted):
    pass


__all__ = [
    "AppealWindowClosed",
    "ComplaintNotFound",
    "DomainError",
    "DuplicateSubmission",
    "NotAtThisLevel",
    "OutsideDistrict",
    "WrongState",
]
