"""No NIK and no name in what the platform writes for operators: a scan over a run of the end-to-end flow.

The platform runs as processes (as in ``test_end_to_end.py``, whose flow is run here unchanged) with
spans exported to files (``SLRT_OTEL_EXPORTER=file:<dir>``). On top of the flow, requests that are
refused while carrying a person's NIK or name (in a path, a body, a contradiction) make sure refusals
are part of the scan. Then every service's log, every exported span and every error body of the run
is searched for the NIK and the name of the registry's synthetic people (its sample, which holds the
flow's person).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from slrt_platform.platform import Platform, running_platform

pytestmark = pytest.mark.e2e

SEED_PEOPLE = 300
SCANNED_PEOPLE = 50  # the registry's sample (at most 50), the flow's person first


def _end_to_end_flow() -> Any:
    spec = importlib.util.spec_from_file_location("slrt_end_to_end_flow", Path(__file__).with_name("test_end_to_end.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.test_complaint_to_signed_letter_survives_a_killed_service


def _token(platform: Platform, role: str, **claims: str) -> dict[str, str]:
    r = httpx.post(f"{platform.url('intake')}/auth/dev-token",
                   json={"sub": f"{role}-scan", "role": role, "region": "1605", **claims})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _refusals_carrying_personal_data(platform: Platform, person: dict[str, Any]) -> None:
    """Requests that must be refused, each with the person's NIK or name in it."""
    intake, dtks, letters = platform.url("intake"), platform.url("dtks"), platform.url("letters")
    nik, name = person["nik"], person["name"]
    wrong_sex = "M" if int(nik[6:8]) > 40 else "F"  # the NIK says the other: day + 40 for women
    region = {"district": "1605", "subdistrict": person["village_code"][:6], "village": person["village_code"]}
    complaint = {"complaint_type": "grievance", "field": "health", "region": region,
                 "description": "Kartu KIS tidak aktif", "nik": nik}
    refused = [
        # the NIK contradicts the sex given (one rule set, intake and letters)
        httpx.post(f"{intake}/complaints", headers=_token(platform, "front_office"),
                   json={**complaint, "identity": {"name": name, "sex": wrong_sex}}),
        httpx.post(f"{letters}/letters", headers=_token(platform, "pengelola"), json={
            "letter_type": "sktm", "nik": nik, "citizen_name": name, "sex": wrong_sex, "birth_place": "Muara Beliti",
            "address": "Desa Sintetis", "purpose": "Keringanan biaya rumah sakit"}),
        # a NUL byte next to the name; a name far too long
        httpx.post(f"{intake}/complaints", headers=_token(platform, "front_office"),
                   json={**complaint, "identity": {"name": f"{name}\x00"}}),
        httpx.post(f"{intake}/complaints", headers=_token(platform, "front_office"),
                   json={**complaint, "identity": {"name": name * 20}}),
        # the NIK in a path: outside the officer's region, and with no token at all
        httpx.get(f"{dtks}/registry/people/{nik}", headers=_token(platform, "front_office", region="1606")),
        httpx.get(f"{dtks}/registry/people/{nik}"),
        # a NIK mistyped into one that cannot be (13th month)
        httpx.post(f"{intake}/complaints", headers=_token(platform, "front_office"),
                   json={**complaint, "nik": nik[:8] + "13" + nik[10:]}),
    ]
    assert all(r.status_code >= 400 for r in refused), [(r.request.url.path, r.status_code) for r in refused]


def test_no_nik_or_name_in_logs_spans_or_error_bodies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spans_dir = tmp_path / "spans"
    monkeypatch.setenv("SLRT_OTEL_EXPORTER", f"file:{spans_dir}")
    error_bodies: list[tuple[str, str]] = []  # (status and route of the answer, its body)
    send = httpx.Client.send

    def recording_send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = send(self, request, **kwargs)
        if response.status_code >= 400:
            response.read()
            error_bodies.append((f"{request.method} {response.status_code}", response.text))
        return response

    monkeypatch.setattr(httpx.Client, "send", recording_send)
    var = tmp_path / "var"
    with running_platform(var, seed_people=SEED_PEOPLE) as platform:
        _end_to_end_flow()(platform)
        people = httpx.get(f"{platform.url('dtks')}/registry/sample?limit={SCANNED_PEOPLE}",
                           headers=_token(platform, "dtks_operator")).json()
        _refusals_carrying_personal_data(platform, people[0])
    # stopped: every process flushed its spans on the way out

    logs = {path.name: path.read_text(encoding="utf-8", errors="replace") for path in (var / "log").glob("*.log")}
    spans = {path.name: path.read_text(encoding="utf-8") for path in spans_dir.glob("*.spans.jsonl")}
    assert {"intake.log", "dtks.log", "referral.log", "letters.log", "monitoring.log"} <= set(logs)
    assert {f"{s}.spans.jsonl" for s in ("intake", "dtks", "referral", "letters", "monitoring")} <= set(spans)
    span_names = {json.loads(line)["name"] for text in spans.values() for line in text.splitlines()}
    assert "GET /registry/people/{nik}" in span_names, "the NIK lookup's span is named after its route"
    assert len(error_bodies) >= 8

    texts = {**{f"log {k}": v for k, v in logs.items()}, **{f"spans {k}": v for k, v in spans.items()},
             **{f"error body {i} ({what})": body for i, (what, body) in enumerate(error_bodies)}}
    found = []
    for person in people:
        for what in (person["nik"], person["name"]):
            found += [f"{where}: {what!r}" for where, text in texts.items() if what in text]
    assert not found, "personal data found:\n" + "\n".join(found[:20])
