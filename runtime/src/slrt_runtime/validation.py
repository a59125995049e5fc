"""What is wrong with a malformed request: which field and which rule, never the value.

FastAPI's default answer echoes every refused ``input``: a mistyped NIK or a name would come back in
the error body (and be logged by whatever logs bodies), and a lone surrogate in the input cannot even
be encoded as the JSON answer (a 500). Only the location, the rule and its message are kept; the
answer itself is a problem+json (``problems.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slrt_contracts.values import printable


def field_problems(errors: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """pydantic's errors as ``{field, location, rule, message}``."""
    problems = []
    for error in errors:
        # A loc may hold a client's dict key: printable() so that it can always be encoded.
        loc = [printable(part) if isinstance(part, str) else part for part in error.get("loc", ())]
        location = str(loc[0]) if loc else "body"
        field = ".".join(str(part) for part in loc[1:]) or location
        problems.append({"field": field, "location": location, "rule": str(error.get("type", "invalid")),
                         "message": printable(str(error.get("msg", "")))})
    return problems
