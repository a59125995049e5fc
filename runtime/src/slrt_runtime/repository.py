"""The event store's repository and event collection, without eventsourcing's runtime-Protocol checks per
event and per aggregate (slow on Python 3.11: they cost more than the replay or the save itself)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent, Repository, project_aggregate
from eventsourcing.domain import CollectEventsProtocol, DomainEventProtocol


def _project(aggregate: Any, domain_events: Any) -> Any:
    """eventsourcing's ``project_aggregate`` without its per-event ``isinstance`` check against a
    runtime Protocol: that check alone was a quarter of intake's CPU when aggregates were replayed."""
    for domain_event in domain_events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class FastRepository(Repository[UUID]):
    def get(self, aggregate_id: UUID, *, version: int | None = None, projector_func: Any = _project,
            **kwargs: Any) -> Any:
        if projector_func is project_aggregate:
            projector_func = _project
        return super().get(aggregate_id, version=version, projector_func=projector_func, **kwargs)


_KINDS: dict[type, tuple[bool, bool]] = {}
"""Per class: (a domain event?, collects pending events?), as eventsourcing's Protocols answer."""


class FastProcessing(ProcessingEvent[UUID]):
    """eventsourcing's ``ProcessingEvent`` whose ``collect_events`` asks its two runtime-checkable
    Protocols once per class instead of for every object: on Python 3.11 those checks were a tenth of
    a consumer batch's commit. Otherwise the library's method line for line."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if obj is None:
                continue
            kind = _KINDS.get(type(obj))
            if kind is None:
                kind = _KINDS[type(obj)] = (isinstance(obj, DomainEventProtocol),
                                            isinstance(obj, CollectEventsProtocol))
            if kind[0]:
                self.events.append(obj)
            else:
                if kind[1]:
                    self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
        self.saved_kwargs.update(kwargs)
