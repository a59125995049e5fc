"""Several desks at once, with retries and a crash: the write path as processes on SQLite.

32 front-office clients register complaints at the same time, each request with its own
Idempotency-Key, retried with the same key after a 5xx, a time-out or a dropped connection, while
intake is killed with SIGKILL in the middle and started again. Afterwards every request has exactly
one complaint, every complaint has its receipt and its queue number (one transaction), no living
intake ever answered 5xx, and monitoring shows every complaint DTKS-checked.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from slrt_platform.platform import Platform, running_platform
from slrt_runtime.testing import wait_for

pytestmark = pytest.mark.e2e

CLIENTS = 32
PER_CLIENT = 4


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    with running_platform(tmp_path / "var", seed_people=200) as p:
        yield p


def registered_in_store(data_dir: Path) -> list[dict[str, Any]]:
    """The Registered events in intake's store, read directly (with their queue numbers)."""
    with sqlite3.connect(data_dir / "intake.sqlite") as db:
        rows = db.execute("SELECT originator_id, topic, state FROM stored_events "
                          "WHERE topic LIKE '%Complaint.Registered' OR topic LIKE '%Complaint.QueueNumberTaken'").fetchall()
    complaints: dict[str, dict[str, Any]] = {}
    for originator_id, topic, state in rows:
        entry = complaints.setdefault(originator_id, {})
        data = json.loads(state)
        if topic.endswith("Registered"):
            entry.update(description=data["description"], receipt=data["receipt_number"])
        else:
            entry.update(queue=(data["office"], data["number"]))
    return list(complaints.values())


def test_desks_at_once_with_retries_and_a_killed_intake_register_each_complaint_once(platform: Platform) -> None:
    intake, dtks, monitoring = platform.url("intake"), platform.url("dtks"), platform.url("monitoring")
    token = httpx.post(f"{intake}/auth/dev-token", json={"sub": "fo-load", "role": "front_office",
                                                         "region": "1605"}).json()["access_token"]
    operator = httpx.post(f"{intake}/auth/dev-token", json={"sub": "op", "role": "dtks_operator",
                                                            "region": "1605"}).json()["access_token"]
    people = httpx.get(f"{dtks}/registry/sample?limit=50", headers={"Authorization": f"Bearer {operator}"}).json()
    server_errors: list[str] = []
    receipts: dict[str, str] = {}
    done = Counter[str]()
    lock = threading.Lock()

    def register(i: int) -> None:
        person = people[i % len(people)]
        marker = f"load-{i:04d}"
        body = {"complaint_type": "grievance", "field": "health", "nik": person["nik"],
                "region": {"district": "1605", "subdistrict": person["village_code"][:6],
                           "village": person["village_code"]},
                "description": f"Kartu KIS tidak aktif ({marker})"}
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
        with httpx.Client(timeout=10) as client:
            for _ in range(100):
                try:
                    r = client.post(f"{intake}/complaints", json=body, headers=headers)
                except httpx.TransportError:
                    time.sleep(0.2)  # intake is down: retry with the same key
                    continue
                if r.status_code >= 500:
                    with lock:
                        server_errors.append(f"{r.status_code} {r.text[:200]}")
                    time.sleep(0.2)
                    continue
                if r.status_code == 409 and r.json().get("error") == "RequestInProgress":
                    time.sleep(0.2)
                    continue
                assert r.status_code in (200, 201), r.text
                with lock:
                    receipts[marker] = r.json()["receipt_number"]
                    done["ok"] += 1
                return
        raise AssertionError(f"{marker} never registered")

    total = CLIENTS * PER_CLIENT
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(register, i) for i in range(total)]
        wait_for(lambda: done["ok"], lambda n: n >= total // 3, timeout=120, what="a third registered")
        platform.services["intake"].kill()  # mid-load, no warning
        time.sleep(0.5)
        platform.services["intake"].start()
        platform.services["intake"].wait_healthy()
        for future in futures:
            future.result()

    assert server_errors == [], f"a living intake answered 5xx: {server_errors[:3]}"
    assert len(receipts) == total and len(set(receipts.values())) == total
    stored = registered_in_store(platform.var_dir / "data")
    markers = Counter(c["description"].split("(")[-1].rstrip(")") for c in stored)
    assert [m for m, n in markers.items() if n > 1] == [], "a request registered twice"
    assert len(stored) == total
    assert all("queue" in c for c in stored), "a complaint without its queue number"
    assert len({c["queue"] for c in stored}) == total, "a queue number given twice"

    # Every acknowledged complaint reaches monitoring, checked against the DTKS.
    for receipt in receipts.values():
        wait_for(lambda receipt=receipt: httpx.get(f"{monitoring}/public/track/{receipt}",
                                                   headers={"Accept": "application/json"}).json(),
                 lambda t: "DTKSChecked" in [s["event"] for s in t.get("timeline", [])],
                 timeout=90, what=f"{receipt} DTKS-checked in monitoring")
