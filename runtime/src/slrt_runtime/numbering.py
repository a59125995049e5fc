"""The event-sourced counter that issued numbers before counters moved into the command transaction.

Numbers are now taken by :meth:`slrt_runtime.eventstore.ServiceApplication.save_numbered`, from a
counter row incremented in the same transaction as the aggregate that takes the number (O(1) per
number, no reload, no retries). This aggregate stays so that a store written by an earlier version
continues its sequences where they stopped: the first number taken from a sequence reads its last
value here once.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/number-sequence")


class NumberSequence(Aggregate):
    @staticmethod
    def create_id(name: str) -> UUID:  # type: ignore[override]
        return uuid5(_NS, name)

    @event("Started")
    def __init__(self, name: str) -> None:
        self.name = name
        self.last = 0

    @event("NumberIssued")
    def _issue(self, number: int) -> None:
        self.last = number

    def issue_next(self) -> int:
        self._issue(self.last + 1)
        return self.last
