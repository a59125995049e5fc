"""JSON Schema per integration event and an AsyncAPI 3.0 document of all of them.

The generated files are checked in beside the package (``contracts/schemas/*.json`` and
``contracts/asyncapi.json``) so agencies can read the contracts without Python. Regenerate them
after changing an event::

    .venv/bin/python -m slrt_contracts.schemas            # write
    .venv/bin/python -m slrt_contracts.schemas --check    # exit 1 if the files are out of date

Output is deterministic: sorted keys, two-space indent, trailing newline.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import re
import sys
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .actor import Actor, Role
from .base import ContractEvent, Region
from .envelope import (
    CE_DATASCHEMA,
    CE_ID,
    CE_SOURCE,
    CE_SPECVERSION,
    CE_SUBJECT,
    CE_TIME,
    CE_TYPE,
    CONTENT_TYPE,
    NATS_MSG_ID,
    encode,
)
from .events import (
    ALL_EVENTS,
    Channel,
    ComplaintRegistered,
    ComplaintType,
    DTKSChecked,
    DTKSStatus,
    LetterInitialled,
    LetterRequested,
    LetterSigned,
    ParafStep,
    ReferralAnswered,
    ReferralDecision,
    ReferralSent,
    ServiceField,
)
from .streams import stream_for

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ASYNCAPI_VERSION = "3.0.0"
DOCUMENT_TITLE = "SLRT integration events"
DOCUMENT_VERSION = "0.1.0"
"""Version of the contracts document; kept equal to the version in contracts/pyproject.toml."""

SCHEMAS_DIR = "schemas"
ASYNCAPI_FILE = "asyncapi.json"
DEFAULT_OUT = Path(__file__).resolve().parents[2]
"""``contracts/``: the files are checked in beside the package source."""

REGENERATE_HINT = "run `.venv/bin/python -m slrt_contracts.schemas` (from the repository root) to regenerate"

# Headers the platform's outbox relay adds (see slrt_runtime.outbox) and the trace context.
HEADER_UPSTREAM = "slrt-upstream"
HEADER_NOTIFICATION_ID = "slrt-notification-id"
HEADER_TRACEPARENT = "traceparent"

PARAMETERS: dict[str, dict[str, Any]] = {
    "district": {
        "description": "District/city (kabupaten/kota) code: 4 digits, province (2) + district (2), e.g. 1605",
        "examples": ["1605"],
    },
    "agency": {
        "description": "Agency (OPD / programme manager) code the referral is addressed to: one subject token, "
        "lower-case letters, digits and '-', e.g. dinkes",
        "examples": ["dinkes"],
    },
}

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_DEFS_REF = "#/$defs/"
_COMPONENT_SCHEMA_REF = "#/components/schemas/"


# --------------------------------------------------------------------------------------------
# Examples: one synthetic, valid instance per event (no real person; no NIK is published).
# --------------------------------------------------------------------------------------------

_EXAMPLE_TIME = dt.datetime(2025, 3, 4, 2, 15, tzinfo=dt.timezone.utc)
_COMPLAINT_ID = uuid.UUID("0d3c3f5e-6a0b-4c1e-9a57-1b2f4f5e8c01")
_REFERRAL_ID = uuid.UUID("7a4e2b9c-3d51-4f08-8b6e-52c9d0a1e702")
_LETTER_ID = uuid.UUID("c2b8e6d4-91f3-4a27-b05d-8e3f6a7c4d03")
_REGION = Region(district="1605", subdistrict="160501", village="1605012001")
_LETTER_TYPE = "sktm"  # surat keterangan tidak mampu


def example_events() -> dict[type[ContractEvent], ContractEvent]:
    """A valid example of every event in :data:`ALL_EVENTS` (synthetic data, deterministic)."""
    at = _EXAMPLE_TIME
    examples: list[ContractEvent] = [
        ComplaintRegistered(
            district="1605",
            complaint_id=_COMPLAINT_ID,
            receipt_number="1605-20250304-0001",
            registered_at=at,
            channel=Channel.FRONT_OFFICE,
            complaint_type=ComplaintType.GRIEVANCE,
            field=ServiceField.HEALTH,
            region=_REGION,
            recorded_by=Actor(id="fo-0012", role=Role.FRONT_OFFICE, region="1605"),
        ),
        DTKSChecked(
            district="1605",
            complaint_id=_COMPLAINT_ID,
            receipt_number="1605-20250304-0001",
            checked_at=at + dt.timedelta(seconds=2),
            status=DTKSStatus.FOUND,
            household_id="HH-1605-000123",
            programmes=["PBI-JK", "PKH"],
            welfare_decile=2,
            field=ServiceField.HEALTH,
            complaint_type=ComplaintType.GRIEVANCE,
            region=_REGION,
            registry_version="2025-02",
        ),
        ReferralSent(
            district="1605",
            referral_id=_REFERRAL_ID,
            complaint_id=_COMPLAINT_ID,
            receipt_number="1605-20250304-0001",
            agency="dinkes",
            field=ServiceField.HEALTH,
            complaint_type=ComplaintType.GRIEVANCE,
            dtks_status=DTKSStatus.FOUND,
            programmes=["PBI-JK", "PKH"],
            region=_REGION,
            sent_at=at + dt.timedelta(hours=3),
            approved_by=Actor(id="mgr-0001", role=Role.MANAGER, region="1605"),
        ),
        ReferralAnswered(
            district="1605",
            referral_id=_REFERRAL_ID,
            complaint_id=_COMPLAINT_ID,
            receipt_number="1605-20250304-0001",
            agency="dinkes",
            decision=ReferralDecision.APPROVED,
            reason="Enrolled in PBI-JK from next month",
            answered_at=at + dt.timedelta(days=2),
            answered_by=Actor(id="dinkes-0007", role=Role.AGENCY, region="1605", agency="dinkes"),
        ),
        LetterRequested(
            district="1605",
            letter_id=_LETTER_ID,
            letter_type=_LETTER_TYPE,
            complaint_id=_COMPLAINT_ID,
            receipt_number="1605-20250304-0001",
            requested_at=at + dt.timedelta(hours=1),
            requested_by=Actor(id="pg-0003", role=Role.PENGELOLA, region="1605"),
        ),
        LetterInitialled(
            district="1605",
            letter_id=_LETTER_ID,
            letter_type=_LETTER_TYPE,
            complaint_id=_COMPLAINT_ID,
            receipt_number="1605-20250304-0001",
            step=ParafStep.KASI,
            initialled_at=at + dt.timedelta(hours=2),
            initialled_by=Actor(id="kasi-0002", role=Role.KASI, region="1605"),
        ),
        LetterSigned(
            district="1605",
            letter_id=_LETTER_ID,
            letter_type=_LETTER_TYPE,
            letter_number="400.9/0123/DINSOS/2025",
            complaint_id=_COMPLAINT_ID,
            receipt_number="1605-20250304-0001",
            signed_at=at + dt.timedelta(hours=5),
            signed_by=Actor(id="kadin-0001", role=Role.KADIN, region="1605"),
        ),
    ]
    by_type = {type(e): e for e in examples}
    missing = [cls.__name__ for cls in ALL_EVENTS if cls not in by_type]
    if missing:  # a new event must come with an example
        raise RuntimeError(f"no example for {', '.join(missing)}")
    return {cls: by_type[cls] for cls in ALL_EVENTS}


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


# --------------------------------------------------------------------------------------------
# JSON Schema per event
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# AsyncAPI 3.0
# --------------------------------------------------------------------------------------------


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
        CONTENT_TYPE: {"type": "string", "const": "application/json", "description": "The body is JSON"},
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
            CONTENT_TYPE,
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

    for cls in ALL_EVENTS:
        params = placeholders(cls)
        unknown = [p for p in params if p not in PARAMETERS]
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
            f"each event is published at its ce-dataschema URL (checked in under contracts/{SCHEMAS_DIR}/).",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": _hoist(schemas),
            "messages": messages,
            "parameters": {p: PARAMETERS[p] for p in PARAMETERS if p in used_parameters},
        },
    }


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generated_files() -> dict[str, str]:
    """Relative path (POSIX) → file text, for everything this module generates."""
    files = {
        f"{SCHEMAS_DIR}/{schema_filename(cls)}": render(schema) for cls, schema in event_schemas().items()
    }
    files[ASYNCAPI_FILE] = render(asyncapi_document())
    return files


def _stale(directory: Path, expected: Iterable[str]) -> list[Path]:
    """Schema files in ``directory/schemas`` whose event no longer exists."""
    expected = set(expected)
    schema_dir = directory / SCHEMAS_DIR
    if not schema_dir.is_dir():
        return []
    return sorted(
        p for p in schema_dir.glob("*.json") if f"{SCHEMAS_DIR}/{p.name}" not in expected
    )


def check_all(directory: Path | str = DEFAULT_OUT) -> list[str]:
    """Problems with the files in ``directory`` (empty when they are up to date)."""
    directory = Path(directory)
    files = generated_files()
    problems: list[str] = []
    for rel, text in files.items():
        path = directory / rel
        if not path.is_file():
            problems.append(f"missing: {path}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"differs: {path}")
    problems.extend(f"stale: {p}" for p in _stale(directory, files))
    return problems


def write_all(directory: Path | str = DEFAULT_OUT) -> list[Path]:
    """Write every generated file under ``directory`` and delete stale schema files.

    Returns the paths written or deleted (files already up to date are left untouched).
    """
    directory = Path(directory)
    files = generated_files()
    changed: list[Path] = []
    for rel, text in files.items():
        path = directory / rel
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        changed.append(path)
    for path in _stale(directory, files):
        path.unlink()
        changed.append(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m slrt_contracts.schemas",
        description="Generate the JSON Schemas and the AsyncAPI document of the SLRT integration events.",
    )
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if any file differs, is missing or is stale"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.check:
        problems = check_all(args.out)
        if problems:
            for problem in problems:
                print(problem, file=sys.stderr)
            print(f"contract files are out of date: {REGENERATE_HINT}", file=sys.stderr)
            return 1
        print(f"contract files in {args.out} are up to date")
        return 0
    changed = write_all(args.out)
    for path in changed:
        print(f"{'wrote' if path.exists() else 'deleted'} {path}")
    if not changed:
        print(f"contract files in {args.out} are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
