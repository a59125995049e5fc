"""A deadline book told its event classes (``DeadlineBook(events=...)``) reads no others: every class a
service's ``deadlines_of`` matches must be in its ``EVENTS``, or the deadlines it opens would never be."""

from __future__ import annotations

import ast
import inspect

import pytest
from slrt_intake.application import deadlines as intake
from slrt_referral.application import deadlines as referral


def matched_classes(module: object) -> set[object]:
    """The classes of the ``case X.Y(...)`` patterns in the module, resolved in its namespace."""
    found = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):  # type: ignore[arg-type]
        if isinstance(node, ast.MatchClass):
            assert isinstance(node.cls, ast.Attribute) and isinstance(node.cls.value, ast.Name), ast.dump(node.cls)
            found.add(getattr(vars(module)[node.cls.value.id], node.cls.attr))
    return found


@pytest.mark.parametrize("module", [intake, referral], ids=["intake", "referral"])
def test_the_book_reads_every_event_class_deadlines_of_matches(module: object) -> None:
    matched = matched_classes(module)
    assert matched, "no case patterns found"
    assert matched == set(module.EVENTS)  # type: ignore[attr-defined]
