"""The AsyncAPI 3.0 document of every integration event (``contracts/asyncapi.json``)."""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from .base import ContractEvent
from .envelope import (
    CE_DATACONTENTTYPE,
    CE_DATASCHEMA,
    CE_ID,
    CE_SOURCE,
    CE_SPECVERSION,
    CE_SUBJECT,
    CE_TIME,
    CE_TYPE,
    CONTENT_TYPE,
    HEADER_NOTIFICATION_ID,
    HEADER_UPSTREAM,
    NATS_MSG_ID,
)
from .events import ALL_EVENTS, example_events, subject_parameters
from .schemas import (
    HEADER_TRACEPARENT,
    describe,
    event_schemas,
    example_envelope,
    placeholders,
)
from .streams import stream_for

ASYNCAPI_VERSION = "3.0.0"
DOCUMENT_TITLE = "SLRT integration events"
DOCUMENT_VERSION = "0.1.0"
"""Version of the contracts document; kept equal to the version in contracts/pyproject.toml."""

SERVERS: dict[str, Any] = {
    "district": {
        "host": "nats.slrt-{district}.svc.cluster.local:4222",
        "protocol": "nats",
        "title": "A district's NATS JetStream",
        "variables": {"district": {"description": "The district's code (namespace slrt-<district>)",
                                   "examples": ["1605"]}},
        "description": "The district's own nats-server (deploy/k8s/nats; `./slrt up` runs one on 127.0.0.1:4322). "
        "Agencies connect with the NATS user the district gives them and read their durable consumer "
        "agency-<agency>-<district>; every subject starts with slrt.<district>.",
        "bindings": {"nats": {}},  # the NATS server binding has no fields (reserved by AsyncAPI)
    },
    "national": {
        "host": "{hub}:4222",
        "protocol": "nats",
        "title": "The national hub",
        "variables": {"hub": {"description": "The national hub's host name, as the districts' leaf nodes know it",
                              "examples": ["nats.slrt-national.example.go.id"]}},
        "description": "Leaf-node hub of deploy/k8s/national: receives only the anonymised "
        "DistrictAggregatesPublished of every district.",
        "bindings": {"nats": {}},
    },
}
"""Where the events travel: the host names of the Kubernetes manifests (deploy/k8s)."""

_DEFS_REF = "#/$defs/"
_COMPONENT_SCHEMA_REF = "#/components/schemas/"


def _rewrite_refs(node: Any) -> Any:
    """Point ``#/$defs/X`` references at ``#/components/schemas/X``."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                if not value.startswith(_DEFS_REF):
                    raise ValueError(f"unexpected $ref {value!r}: only local $defs can be hoisted")
                out[key] = _COMPONENT_SCHEMA_REF + value[len(_DEFS_REF):]
            else:
                out[key] = _rewrite_refs(value)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def _hoist(schemas: dict[type[ContractEvent], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """components/schemas: each event under its schema name, shared ``$defs`` beside them."""
    components: dict[str, dict[str, Any]] = {}

    def put(name: str, schema: dict[str, Any], origin: str) -> None:
        if name in components and components[name] != schema:
            raise ValueError(f"schema {name!r} from {origin} differs from one already hoisted")
        components[name] = schema

    for cls, original in schemas.items():
        schema = copy.deepcopy(original)
        defs = schema.pop("$defs", {})
        # $id would change the base URI of the refs inside; the document is the base here.
        schema.pop("$id", None)
        schema.pop("$schema", None)
        for name, definition in defs.items():
            put(name, _rewrite_refs(definition), cls.schema_name())
        put(cls.schema_name(), _rewrite_refs(schema), cls.schema_name())
    return components


def _uuid_entity(cls: type[ContractEvent]) -> bool:
    return cls.model_fields[cls.entity_field].annotation is uuid.UUID


def headers_schema(cls: type[ContractEvent]) -> dict[str, Any]:
    """The NATS headers carrying the CloudEvents attributes of ``cls``."""
    subject: dict[str, Any] = {
        "type": "string",
        "description": f"CloudEvents subject: the {cls.entity_field} this event is about",
    }
    if _uuid_entity(cls):
        subject["format"] = "uuid"
    properties: dict[str, Any] = {
        CE_SPECVERSION: {"type": "string", "const": "1.0", "description": "CloudEvents spec version"},
        CE_ID: {
            "type": "string",
            "minLength": 1,
            "description": "Event id, unique per event and stable: re-publishing the same stored event "
            "reuses it. Always equal to Nats-Msg-Id; consumers de-duplicate on it",
        },
        CE_SOURCE: {
            "type": "string",
            "pattern": rf"^/slrt/\d{{4}}/{re.escape(cls.producer)}$",
            "description": f"/slrt/<district>/{cls.producer}: the producing service in the event's district",
        },
        CE_TYPE: {"type": "string", "const": cls.ce_type(), "description": "CloudEvents type: event name and version"},
        CE_TIME: {"type": "string", "format": "date-time", "description": "When the event happened, UTC, ISO 8601"},
        CE_SUBJECT: subject,
        CE_DATASCHEMA: {
            "type": "string",
            "format": "uri",
            "const": cls.dataschema(),
            "description": "The JSON Schema of the body",
        },
        CE_DATACONTENTTYPE: {"type": "string", "const": "application/json",
                             "description": "CloudEvents datacontenttype (binary content mode): the body is JSON"},
        CONTENT_TYPE: {"type": "string", "const": "application/json",
                       "description": "The same as ce-datacontenttype, for NATS tools; messages published before "
                       "ce-datacontenttype carry only this one, and consumers read either"},
        NATS_MSG_ID: {
            "type": "string",
            "minLength": 1,
            "description": "JetStream de-duplication key; always equal to ce-id",
        },
        HEADER_UPSTREAM: {
            "type": "string",
            "description": "Set by the platform's outbox relay: the producing service's event store "
            "(notification log); with slrt-notification-id it lets platform consumers track their position",
        },
        HEADER_NOTIFICATION_ID: {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": "Set by the platform's outbox relay: the event's position in the producer's "
            "notification log (decimal integer)",
        },
        HEADER_TRACEPARENT: {
            "type": "string",
            "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
            "description": "W3C Trace Context of the publishing span (optional)",
        },
    }
    return {
        "type": "object",
        "properties": properties,
        "required": [
            CE_SPECVERSION,
            CE_ID,
            CE_SOURCE,
            CE_TYPE,
            CE_TIME,
            CE_SUBJECT,
            CE_DATASCHEMA,
            CE_DATACONTENTTYPE,
            NATS_MSG_ID,
        ],
        "additionalProperties": {"type": "string"},
    }


def _channel_id(cls: type[ContractEvent]) -> str:
    return cls.schema_name()


def _operation_id(cls: type[ContractEvent]) -> str:
    return f"send{cls.event_name}V{cls.version}"


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every event, self-contained (all ``$ref`` are local)."""
    schemas = event_schemas()
    examples = example_events()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    used_parameters: set[str] = set()
    parameters = subject_parameters()

    for cls in ALL_EVENTS:
        params = placeholders(cls)
        unknown = [p for p in params if p not in parameters]
        if unknown:
            raise ValueError(f"{cls.__name__}.subject_pattern has undocumented parameters {unknown}")
        used_parameters.update(params)
        name = cls.schema_name()
        channel_id = _channel_id(cls)
        _, payload, headers = example_envelope(examples[cls])
        messages[name] = {
            "name": cls.event_name,
            "title": f"{cls.event_name} v{cls.version}",
            "summary": f"{cls.event_name}, published by the {cls.producer} service",
            "description": describe(cls),
            "contentType": "application/json",
            "headers": headers_schema(cls),
            "payload": {"$ref": f"{_COMPONENT_SCHEMA_REF}{name}"},
            "examples": [{"name": f"{cls.event_name}Example", "headers": headers, "payload": payload}],
        }
        channel: dict[str, Any] = {
            "address": cls.subject_pattern,
            "title": cls.event_name,
            "description": f"{cls.event_name} events; subscribe to {cls.subject_wildcard()} for all "
            + ("districts and agencies" if "agency" in params else "districts"),
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        if params:
            channel["parameters"] = {p: {"$ref": f"#/components/parameters/{p}"} for p in params}
        channels[channel_id] = channel
        operations[_operation_id(cls)] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{name}"}],
            "summary": f"The {cls.producer} service publishes {cls.event_name}",
            "description": f"Published to JetStream stream {stream_for(cls.producer).name} "
            f"(subjects {', '.join(stream_for(cls.producer).subjects)}) with Nats-Msg-Id = ce-id.",
        }

    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": DOCUMENT_TITLE,
            "version": DOCUMENT_VERSION,
            "description": "Integration events of the SLRT / Puskesos platform on NATS JetStream. Each message "
            "carries CloudEvents attributes in NATS headers (ce-*) and the event as a JSON body. A NIK "
            "travels only where the receiving service needs it; names never travel. The JSON Schema of "
            f"each event is published at its ce-dataschema URL (checked in under contracts/schemas/).",
        },
        "defaultContentType": "application/json",
        "servers": SERVERS,
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": _hoist(schemas),
            "messages": messages,
            "parameters": {p: parameters[p] for p in parameters if p in used_parameters},
        },
    }
