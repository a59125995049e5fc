"""What a request may carry, whatever the service: free text without control characters, numbers the
databases can hold, receipt numbers in their one format.

Without these a NUL byte reaches PostgreSQL (which refuses it in text: a 500 after the request was
accepted), a lone surrogate cannot be encoded as UTF-8 by SQLite or the JSON response, and an integer
above 2**63 - 1 makes SQLite raise ``OverflowError``. Request models, path and query parameters use
these types so that such input is a 422 naming the field; the refused value is never echoed.

Event models keep their plain ``str`` fields: tightening them would refuse events already stored.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

# C0 controls except tab, line feed and carriage return; DEL and the C1 controls; UTF-16 surrogates
# (JSON's "\ud800" decodes to one, and no UTF-8 encoder accepts it).
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

CONTROL_CHARACTERS_MESSAGE = (
    "must not contain control characters (such as NUL); tab, line feed and carriage return are allowed"
)


def has_control_characters(value: str) -> bool:
    return _REFUSED.search(value) is not None


def printable(value: str) -> str:
    """The text with every refused character replaced by U+FFFD, e.g. to name a field safely."""
    return _REFUSED.sub("\ufffd", value)


def _no_control_characters(value: str) -> str:
    if _REFUSED.search(value):
        # A custom error: the message is ours (no "Value error, " prefix) and carries no input.
        raise PydanticCustomError("control_characters", CONTROL_CHARACTERS_MESSAGE)
    return value


Text = Annotated[str, AfterValidator(_no_control_characters)]
"""Free text from a person or a client (a description, a note, a reason, a name, an address...).
Bound its length where it is used: ``Annotated[Text, Field(max_length=...)]`` or ``x: Text = Field(...)``."""

SQL_BIGINT_MAX = 2**63 - 1
"""The largest integer SQLite and PostgreSQL (bigint) store; Python's ints have no such bound."""

NotificationId = Annotated[int, Field(ge=1, le=SQL_BIGINT_MAX, description="A position in a service's event log")]

MAX_OFFSET = 1_000_000
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="How many rows to skip (paging)")]

RECEIPT_NUMBER_PATTERN = r"^RK-\d{4}-\d{2}-\d{6,10}$"
ReceiptNumber = Annotated[
    str,
    Field(pattern=RECEIPT_NUMBER_PATTERN, max_length=32, examples=["RK-1605-26-000001"],
          description="A complaint's receipt number: RK-<district>-<year, 2 digits>-<sequence>"),
]
