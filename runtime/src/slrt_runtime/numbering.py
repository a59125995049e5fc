"""Gap-free, never-reused numbers (receipt numbers, letter numbers) as an event-sourced counter.

The counter is saved in the same transaction as the aggregate that takes the number; when two
issuers race, the event store's optimistic concurrency refuses the second and it retries with the
next number. So numbers stay unique and gap-free across processes and replicas.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/number-sequence")
A = TypeVar("A", bound=Aggregate)


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


class SequenceExhausted(RuntimeError):
    pass


def save_with_next_number(
    app: Application[UUID], sequence_name: str, take: Callable[[int], A], attempts: int = 50
) -> A:
    """Take the next number of ``sequence_name`` and save it atomically with the aggregate that
    ``take(number)`` returns: a new aggregate built with the number, or an existing one (loaded
    afresh inside ``take``) that records it. ``take`` may raise a domain error; then nothing is
    saved and the number stays free.
    """
    for attempt in range(attempts):
        try:
            sequence: NumberSequence = app.repository.get(NumberSequence.create_id(sequence_name))
        except AggregateNotFoundError:
            sequence = NumberSequence(sequence_name)
        aggregate = take(sequence.issue_next())
        try:
            app.save(sequence, aggregate)
        except IntegrityError:
            # Another issuer took this number first (or changed the aggregate): read both again.
            # Racing issuers retrying in lock-step would collide again: spread them a little.
            time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # noqa: S311 - not security
            continue
        return aggregate
    raise SequenceExhausted(f"could not take a number from {sequence_name!r} after {attempts} attempts")
