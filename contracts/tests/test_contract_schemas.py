"""The checked-in JSON Schemas and AsyncAPI document match the models, and say what they should."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import slrt_contracts
from slrt_contracts import ALL_EVENTS, ComplaintRegistered, ContractEvent
from slrt_contracts.asyncapi import DOCUMENT_VERSION, asyncapi_document
from slrt_contracts.events import example_events, subject_parameters
from slrt_contracts.generate import (
    ASYNCAPI_FILE,
    DEFAULT_OUT,
    SCHEMAS_DIR,
    check_all,
    generated_files,
    main,
    render,
    write_all,
)
from slrt_contracts.schemas import event_schema, example_envelope, placeholders

PARAMETERS = subject_parameters()

CONTRACTS_DIR = Path(__file__).resolve().parents[1]
REGENERATE = "run `.venv/bin/python -m slrt_contracts.generate` from the repository root and commit the result"
EVENT_IDS = [cls.__name__ for cls in ALL_EVENTS]


def _jsonschema():
    return pytest.importorskip(
        "jsonschema", reason="jsonschema is not installed (optional: slrt-contracts does not depend on it)"
    )


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"non-local $ref {ref}"
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"$ref {ref} does not resolve"
        node = node[part]
    return node


# ---- drift ----------------------------------------------------------------------------------


def test_checked_in_files_match_the_models():
    problems = check_all(CONTRACTS_DIR)
    assert not problems, (
        "The checked-in contract files are out of date with the event models:\n  "
        + "\n  ".join(problems)
        + f"\nTo fix: {REGENERATE}."
    )


def test_default_output_directory_is_contracts():
    if not Path(slrt_contracts.__file__).resolve().is_relative_to(CONTRACTS_DIR / "src"):
        pytest.skip("slrt_contracts is not installed from this source tree")
    assert DEFAULT_OUT == CONTRACTS_DIR


def test_generation_is_deterministic_and_canonical():
    first, second = generated_files(), generated_files()
    assert first == second
    assert set(first) == {f"{SCHEMAS_DIR}/{cls.schema_name()}.json" for cls in ALL_EVENTS} | {ASYNCAPI_FILE}
    for text in first.values():
        assert text.endswith("}\n") and not text.endswith("\n\n")
        assert render(json.loads(text)) == text  # sorted keys, indent 2


def test_document_version_follows_the_package_version():
    pyproject = tomllib.loads((CONTRACTS_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    assert DOCUMENT_VERSION == pyproject["project"]["version"]


def test_write_and_check_in_a_directory(tmp_path, capsys):
    assert sorted(check_all(tmp_path)) == sorted(f"missing: {tmp_path / rel}" for rel in generated_files())
    written = write_all(tmp_path)
    assert len(written) == len(ALL_EVENTS) + 1
    assert check_all(tmp_path) == []
    assert write_all(tmp_path) == []  # up to date: nothing rewritten

    schema = tmp_path / SCHEMAS_DIR / f"{ComplaintRegistered.schema_name()}.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace('"title"', '"Title"'), encoding="utf-8")
    (tmp_path / ASYNCAPI_FILE).unlink()
    stale = tmp_path / SCHEMAS_DIR / "ComplaintWithdrawn.v1.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert sorted(check_all(tmp_path)) == sorted(
        [f"differs: {schema}", f"missing: {tmp_path / ASYNCAPI_FILE}", f"stale: {stale}"]
    )

    assert main(["--check", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"stale: {stale}" in err and "python -m slrt_contracts.generate" in err

    assert main(["--out", str(tmp_path)]) == 0
    assert not stale.exists()
    assert main(["--check", "--out", str(tmp_path)]) == 0


def test_cli_runs_as_a_module(tmp_path):
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "slrt_contracts.generate", *args, "--out", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    missing = run("--check")
    assert missing.returncode == 1 and "missing:" in missing.stderr
    assert run().returncode == 0
    assert run("--check").returncode == 0


# ---- JSON Schema per event --------------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=EVENT_IDS)
def test_event_schema_identifies_the_event(cls: type[ContractEvent]):
    schema = event_schema(cls)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == cls.dataschema()
    assert schema["$id"].endswith(f"/{cls.schema_name()}.json")
    assert schema["title"] == cls.schema_name()
    assert cls.subject_pattern in schema["description"]
    assert cls.ce_type() in schema["description"]
    assert schema["type"] == "object"
    assert "district" in schema["required"]
    assert schema.get("additionalProperties") is not False, "consumers must accept unknown fields"
    assert all(ref.startswith("#/$defs/") for ref in _refs(schema))
    for ref in _refs(schema):
        _resolve(schema, ref)


def test_example_covers_every_event():
    examples = example_events()
    assert list(examples) == list(ALL_EVENTS)
    for cls, event in examples.items():
        assert type(event) is cls
        assert event_schema(cls)["examples"] == [event.model_dump(mode="json")]


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=EVENT_IDS)
def test_example_validates_against_its_schema(cls: type[ContractEvent]):
    jsonschema = _jsonschema()
    schema = event_schema(cls)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    payload = example_events()[cls].model_dump(mode="json")
    validator.validate(payload)
    # The checked-in file says the same as the model.
    checked_in = json.loads((CONTRACTS_DIR / SCHEMAS_DIR / f"{cls.schema_name()}.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(checked_in).validate(payload)
    # A consumer's view: unknown fields are allowed, a wrong district is not.
    validator.validate({**payload, "added_in_a_later_minor": True})
    assert not validator.is_valid({**payload, "district": "16O5"})
    required = schema["required"][-1]
    assert not validator.is_valid({k: v for k, v in payload.items() if k != required})


def test_complaint_with_nik_validates_against_its_schema():
    jsonschema = _jsonschema()
    event = example_events()[ComplaintRegistered].model_copy(update={"nik": "1605014107800001"})
    validator = jsonschema.Draft202012Validator(event_schema(ComplaintRegistered))
    validator.validate(event.model_dump(mode="json"))
    # The schema bounds the length; the digits, birth date and region are checked by the model.
    assert not validator.is_valid({**event.model_dump(mode="json"), "nik": "1" * 25})


# ---- subjects ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=EVENT_IDS)
def test_subject_pattern_parameters(cls: type[ContractEvent]):
    params = placeholders(cls)
    assert cls.subject_pattern.startswith("slrt.{district}.")
    assert set(params) <= set(PARAMETERS), "every subject parameter is documented in the AsyncAPI document"
    assert len(params) == len(set(params))
    assert set(params) <= set(cls.model_fields), "subject parameters are event fields"
    assert f".{cls.producer}." in cls.subject_pattern
    if cls.producer == "referral":
        assert "{agency}" in cls.subject_pattern
    # The concrete subject of the example matches the wildcard a consumer subscribes to.
    subject = example_events()[cls].subject()
    wildcard = re.escape(cls.subject_wildcard()).replace(r"\*", r"[^.]+")
    assert re.fullmatch(wildcard, subject)
    assert "{" not in subject


# ---- AsyncAPI ---------------------------------------------------------------------------------


def test_asyncapi_document_shape():
    doc = asyncapi_document()
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"] == "SLRT integration events"
    assert doc["info"]["version"] == DOCUMENT_VERSION
    assert set(doc["components"]["parameters"]) == {"district", "agency"}
    assert "4" in doc["components"]["parameters"]["district"]["description"]
    assert "agency" in doc["components"]["parameters"]["agency"]["description"].lower()
    assert len(doc["channels"]) == len(doc["operations"]) == len(ALL_EVENTS)


def test_asyncapi_document_names_its_nats_servers():
    servers = asyncapi_document()["servers"]
    assert set(servers) == {"district", "national"}
    for server in servers.values():
        assert server["protocol"] == "nats" and "nats" in server["bindings"]
        for name in re.findall(r"{(\w+)}", server["host"]):
            assert name in server["variables"]


def test_asyncapi_document_is_self_contained():
    doc = asyncapi_document()
    refs = _refs(doc)
    assert refs
    for ref in refs:
        _resolve(doc, ref)
    assert not any("$defs" in ref for ref in refs)
    for name, schema in doc["components"]["schemas"].items():
        assert "$defs" not in schema and "$id" not in schema, name


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=EVENT_IDS)
def test_asyncapi_channel_message_and_operation(cls: type[ContractEvent]):
    doc = asyncapi_document()
    channels = [c for c in doc["channels"].values() if c["address"] == cls.subject_pattern]
    assert len(channels) == 1
    channel = channels[0]
    assert set(channel.get("parameters", {})) == set(placeholders(cls))

    (message_ref,) = channel["messages"].values()
    message = _resolve(doc, message_ref["$ref"])
    assert message["name"] == cls.event_name
    assert message["contentType"] == "application/json"
    payload = _resolve(doc, message["payload"]["$ref"])
    assert payload["title"] == cls.schema_name()
    assert set(payload["properties"]) == set(event_schema(cls)["properties"])

    headers = message["headers"]
    assert {
        "ce-specversion", "ce-id", "ce-source", "ce-type", "ce-time", "ce-subject", "ce-dataschema",
        "ce-datacontenttype", "content-type", "Nats-Msg-Id", "slrt-upstream", "slrt-notification-id", "traceparent",
    } <= set(headers["properties"])
    assert "ce-datacontenttype" in headers["required"] and "content-type" not in headers["required"]
    assert headers["properties"]["ce-type"]["const"] == cls.ce_type()
    assert headers["properties"]["ce-dataschema"]["const"] == cls.dataschema()
    assert {"ce-id", "ce-type", "ce-source", "Nats-Msg-Id"} <= set(headers["required"])
    assert "traceparent" not in headers["required"]

    operations = [op for op in doc["operations"].values() if _resolve(doc, op["channel"]["$ref"]) is channel]
    assert len(operations) == 1
    assert operations[0]["action"] == "send"
    assert cls.producer in operations[0]["summary"]
    (operation_message,) = operations[0]["messages"]
    assert operation_message["$ref"].startswith(operations[0]["channel"]["$ref"] + "/messages/")
    assert _resolve(doc, _resolve(doc, operation_message["$ref"])["$ref"]) is message


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=EVENT_IDS)
def test_asyncapi_message_example_validates(cls: type[ContractEvent]):
    jsonschema = _jsonschema()
    doc = asyncapi_document()
    message = doc["components"]["messages"][cls.schema_name()]
    (example,) = message["examples"]
    subject, payload, headers = example_envelope(example_events()[cls])
    assert example["headers"] == headers and example["payload"] == payload
    jsonschema.Draft7Validator(message["headers"]).validate(headers)
    # Payload against the hoisted component schema, resolved within the document.
    payload_schema = {**doc["components"]["schemas"][cls.schema_name()], "components": doc["components"]}
    jsonschema.Draft7Validator(payload_schema).validate(payload)
    assert subject == example_events()[cls].subject()
