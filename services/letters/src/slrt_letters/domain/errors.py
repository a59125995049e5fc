"""Domain errors of the letters service (mapped to HTTP status codes by the runtime)."""

from __future__ import annotations

from slrt_runtime.errors import DomainError, InvalidTransition, NotFound


class LetterNotFound(NotFound):
    pass


class UnknownLetterType(DomainError):
    pass


class InvalidLetterRequest(DomainError):
    pass


class LetterIncomplete(InvalidTransition):
    """Documents of the checklist are missing; the message names them, ``missing`` lists their codes."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


class DuplicateRequest(InvalidTransition):
    """The same client request id was used for a different letter."""
