"""Base classes for domain errors; the HTTP layer maps each kind to one status code.

Pure Python on purpose: domain modules import these without pulling in any framework.
"""


class DomainError(Exception):
    """A rule of the domain refused the command. Messages are shown to users: no personal data."""

    status_code = 422


class NotFound(DomainError):
    status_code = 404


class InvalidTransition(DomainError):
    """The command is not allowed in the current state (or out of order)."""

    status_code = 409


class NotPermitted(DomainError):
    """The actor's role or region does not allow this step."""

    status_code = 403
