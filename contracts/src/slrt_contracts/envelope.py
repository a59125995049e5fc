"""CloudEvents-style envelope: attributes in NATS headers (``ce-*``), the event as a JSON body.

This module is all an agency needs to read or write SLRT events with plain ``nats-py``.
"""

from __future__ import annotations

import datetime as dt
import json

from pydantic import ValidationError

from .base import ContractEvent
from .events import EVENTS_BY_TYPE

CE_SPECVERSION = "ce-specversion"
CE_ID = "ce-id"
CE_SOURCE = "ce-source"
CE_TYPE = "ce-type"
CE_TIME = "ce-time"
CE_SUBJECT = "ce-subject"
CE_DATASCHEMA = "ce-dataschema"
CE_DATACONTENTTYPE = "ce-datacontenttype"
CONTENT_TYPE = "content-type"
"""Also sent, with the same value: what NATS tools and the CloudEvents SDKs' NATS binding read, and
the only content type of messages published before ce-datacontenttype was."""
DATA_CONTENT_TYPE = "application/json"
NATS_MSG_ID = "Nats-Msg-Id"

# Added by the platform's outbox relay (slrt_runtime.outbox): the producer's event store and the
# event's position in it, which platform consumers track for exactly-once processing.
HEADER_UPSTREAM = "slrt-upstream"
HEADER_NOTIFICATION_ID = "slrt-notification-id"
"""JetStream de-duplication key; always equal to ``ce-id``."""


class EnvelopeError(ValueError):
    """A message that is not a valid SLRT event; the text is the dead-letter reason."""


def source_for(producer: str, district: str) -> str:
    return f"/slrt/{district}/{producer}"


def encode(
    event: ContractEvent, *, event_id: str, time: dt.datetime, extra_headers: dict[str, str] | None = None
) -> tuple[str, bytes, dict[str, str]]:
    """Return (subject, body, headers) for publishing ``event``."""
    headers = {
        CE_SPECVERSION: "1.0",
        CE_ID: event_id,
        CE_SOURCE: source_for(event.producer, event.district),
        CE_TYPE: event.ce_type(),
        CE_TIME: time.astimezone(dt.timezone.utc).isoformat(),
        CE_SUBJECT: event.entity_id(),
        CE_DATASCHEMA: event.dataschema(),
        CE_DATACONTENTTYPE: DATA_CONTENT_TYPE,
        CONTENT_TYPE: DATA_CONTENT_TYPE,
        NATS_MSG_ID: event_id,
    }
    if extra_headers:
        headers.update(extra_headers)
    return event.subject(), event.model_dump_json().encode(), headers


def decode(headers: dict[str, str] | None, body: bytes) -> ContractEvent:
    """Parse a message into its contract event, or raise :class:`EnvelopeError` saying why."""
    headers = headers or {}
    ce_type = headers.get(CE_TYPE)
    if not ce_type:
        raise EnvelopeError("missing ce-type header")
    if not headers.get(CE_ID):
        raise EnvelopeError("missing ce-id header")
    # Messages published before ce-datacontenttype carry content-type only (or nothing): JSON either way.
    content_type = headers.get(CE_DATACONTENTTYPE) or headers.get(CONTENT_TYPE) or DATA_CONTENT_TYPE
    if content_type.split(";")[0].strip().lower() != DATA_CONTENT_TYPE:
        raise EnvelopeError(f"ce-datacontenttype must be {DATA_CONTENT_TYPE}")
    cls = EVENTS_BY_TYPE.get(ce_type)
    if cls is None:
        raise EnvelopeError(f"unknown event type {ce_type!r}")
    try:
        # Parsed and validated in one pass (pydantic's JSON parser): half the time of json.loads
        # and model_validate of the parsed dict, the same result for any JSON body.
        return cls.model_validate_json(body)
    except ValidationError as e:
        if not any(err["type"] == "json_invalid" for err in e.errors(include_input=False)):
            raise EnvelopeError(_problems(cls, e)) from None
    # Not JSON to pydantic's parser: the standard library's word on it (the dead-letter reason
    # operators know), or its parse where the two parsers differ on what JSON is.
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise EnvelopeError(f"body is not JSON: {e.msg if hasattr(e, 'msg') else e}") from None
    try:
        return cls.model_validate(payload)
    except ValidationError as e:
        raise EnvelopeError(_problems(cls, e)) from None


def _problems(cls: type[ContractEvent], e: ValidationError) -> str:
    # Field locations and messages only: the input values may hold personal data.
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in e.errors(include_input=False)
    )
    return f"{cls.schema_name()} invalid: {problems}"
