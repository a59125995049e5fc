"""JSON Schema of each integration event (draft 2020-12), with a synthetic example.

Written to ``contracts/schemas/*.json`` by :mod:`slrt_contracts.generate`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

from .base import ContractEvent
from .envelope import (
    HEADER_NOTIFICATION_ID,
    HEADER_UPSTREAM,
    encode,
)
from .events import ALL_EVENTS, example_events
from .streams import stream_for

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

HEADER_TRACEPARENT = "traceparent"

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")



def example_envelope(event: ContractEvent) -> tuple[str, dict[str, Any], dict[str, str]]:
    """(subject, payload, headers) of ``event`` as the platform publishes it."""
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{event.dataschema()}#example"))
    time = next(v for v in event.model_dump().values() if isinstance(v, dt.datetime))
    subject, body, headers = encode(
        event,
        event_id=event_id,
        time=time,
        extra_headers={
            HEADER_UPSTREAM: event.producer,
            HEADER_NOTIFICATION_ID: "42",
            HEADER_TRACEPARENT: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        },
    )
    return subject, json.loads(body), headers


def placeholders(cls: type[ContractEvent]) -> list[str]:
    """The ``{name}`` parameters of the event's subject pattern, in order."""
    return _PLACEHOLDER.findall(cls.subject_pattern)


def describe(cls: type[ContractEvent]) -> str:
    return (
        f"{cls.event_name} version {cls.version}, published by the {cls.producer} service on NATS subject "
        f"{cls.subject_pattern} (JetStream stream {stream_for(cls.producer).name}) with CloudEvents type "
        f"{cls.ce_type()}; ce-subject is the {cls.entity_field}. Consumers must ignore fields they do "
        "not know: adding an optional field keeps the version, any other change is a new version."
    )


def schema_filename(cls: type[ContractEvent]) -> str:
    return f"{cls.schema_name()}.json"


def event_schema(cls: type[ContractEvent]) -> dict[str, Any]:
    """The event's JSON Schema (draft 2020-12), self-contained with its ``$defs``."""
    schema = cls.model_json_schema()
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = cls.dataschema()
    schema["title"] = cls.schema_name()
    schema["description"] = describe(cls)
    schema["examples"] = [example_events()[cls].model_dump(mode="json")]
    return schema


def event_schemas() -> dict[type[ContractEvent], dict[str, Any]]:
    return {cls: event_schema(cls) for cls in ALL_EVENTS}
