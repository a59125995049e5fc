"""Merge rules for entity state: each one is commutative and idempotent.

Events of one complaint arrive on different streams, in any order, and a rebuild reads the streams
one after another. Because every field of an entity's state is merged with one of these rules
(latest-wins by event time, set union, earliest, longest, set-once), the state after a set of events
does not depend on the order they came in: live processing and a rebuild agree.

Handlers describe changes as data — ``(rule, slot, *arguments)`` — so that they can be computed in
one process and applied in another (see :mod:`.worker`).
"""

from __future__ import annotations

from typing import Any

State = dict[str, Any]
Op = tuple[Any, ...]


def latest(state: State, slot: str, at: str, event_id: str, value: Any) -> None:
    """Last-writer-wins register ordered by (event time, event id)."""
    current = state.get(slot)
    if current is None or [at, event_id] > current[:2]:
        state[slot] = [at, event_id, value]


def value(state: State, slot: str, default: Any = None) -> Any:
    current = state.get(slot)
    return default if current is None else current[2]


def once(state: State, slot: str, new: Any) -> None:
    """A fact stated by exactly one kind of event (e.g. the registration): same event, same value."""
    state[slot] = new


def default(state: State, slot: str, new: Any) -> None:
    """A fallback that any ``once`` for the slot overrides, whichever comes first."""
    state.setdefault(slot, new)


def union(state: State, slot: str, *items: str) -> None:
    state[slot] = sorted(set(state.get(slot, ())) | set(items))


def earliest(state: State, slot: str, at: str) -> None:
    current = state.get(slot)
    if current is None or at < current:
        state[slot] = at


def longest(state: State, slot: str, new: str) -> None:
    """The most precise of several codes (a village over its district); ties by value."""
    current = state.get(slot)
    if current is None or (len(new), new) > (len(current), current):
        state[slot] = new


def merged(state: State, slot: str, new: dict[str, Any]) -> None:
    """Keys from different event kinds, each key always stated by the same kind."""
    state[slot] = {**state.get(slot, {}), **new}  # a new dict: a projector's cached state is a shallow copy


RULES = {"latest": latest, "once": once, "default": default, "union": union, "earliest": earliest,
         "longest": longest, "merged": merged}


def apply_ops(state: State, ops: list[Op]) -> None:
    for rule, *args in ops:
        RULES[rule](state, *args)
