"""End to end: the platform as processes (embedded nats-server + five services), one complaint from
registration to signed letter, with a service killed in the middle, then public tracking.

Runs on the embedded default (SQLite) and in the launcher's PostgreSQL mode (``slrt up --postgres``,
the production rehearsal: the k8s init script's role, one schema per service, the k8s pool sizes),
where it also checks each service's connections against its budget and that the server logged no
error for the run's database (no expected error as control flow). The PostgreSQL run skips when no
server is reachable at 127.0.0.1:5432 (SLRT_TEST_POSTGRES_*); it uses a database and a role of its own
and drops both afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from slrt_platform.platform import SERVICES, Platform, running_platform
from slrt_platform.postgres import PostgresRehearsal, connections_per_pod, k8s_config
from slrt_runtime.testing import POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, PostgresServerLog, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["sqlite", "postgres"])
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    if request.param == "sqlite":
        with running_platform(tmp_path / "var") as p:
            yield p
    else:
        with running_on_postgres(tmp_path / "var") as p:
            yield p


@contextmanager
def running_on_postgres(var_dir: Path, kind: type[Platform] = Platform) -> Iterator[Platform]:
    """The platform in the launcher's PostgreSQL mode on a database and role of its own (dropped
    afterwards); then each service's connections within its budget, and no ERROR in the server log
    for that database. Skips when no server is reachable."""
    psycopg = pytest.importorskip("psycopg")
    admin = dict(host=POSTGRES_HOST, port=POSTGRES_PORT, user=POSTGRES_USER, dbname="postgres")
    try:
        server = psycopg.connect(**admin, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as e:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_HOST}:{POSTGRES_PORT} ({e.__class__.__name__})")
    name = f"slrt_e2e_{uuid.uuid4().hex[:10]}"  # database and role: the server is shared
    log = PostgresServerLog()  # no check where the server's log cannot be read
    try:
        rehearsal = PostgresRehearsal(f"postgresql://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}", role=name)
        with running_platform(var_dir, postgres=rehearsal, kind=kind) as p:
            yield p
            budget = {s: connections_per_pod(s, k8s_config()) for s in SERVICES}
            used = dict(server.execute("SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = %s"
                                       " GROUP BY application_name", (name,)).fetchall())
            for service in SERVICES:
                assert 0 < used.get(f"slrt-{service}", 0) <= budget[service], (service, used, budget)
        errors = [line for line in log.lines()
                  if f"{name}@{name} " in line and ("ERROR:" in line or "FATAL:" in line)]
        assert not errors, "errors in the PostgreSQL log:\n" + "\n".join(errors[:20])
    finally:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'DROP ROLE IF EXISTS "{name}"')
        server.close()


def test_complaint_to_signed_letter_survives_a_killed_service(platform: Platform) -> None:
    complaint_to_signed_letter(platform)


def complaint_to_signed_letter(platform: Platform) -> None:
    """The flow, on any platform whose services can be killed and started (tests/test_images.py runs
    it against the services started from their container images)."""
    intake, dtks, referral = platform.url("intake"), platform.url("dtks"), platform.url("referral")
    letters, monitoring = platform.url("letters"), platform.url("monitoring")

    def token(role: str, **claims: str) -> dict[str, str]:
        body = {"sub": f"{role}-e2e", "role": role, "region": "1605", **claims}
        r = httpx.post(f"{intake}/auth/dev-token", json=body)
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    person = httpx.get(f"{dtks}/registry/sample?limit=1", headers=token("dtks_operator")).json()[0]
    region = {"district": "1605", "subdistrict": person["village_code"][:6], "village": person["village_code"]}
    r = httpx.post(f"{intake}/complaints", headers=token("front_office"), json={
        "complaint_type": "grievance", "field": "health", "region": region,
        "description": "Kartu KIS tidak aktif saat berobat", "nik": person["nik"]})
    assert r.status_code == 201, r.text
    complaint_id, receipt = r.json()["complaint_id"], r.json()["receipt_number"]

    # DTKS checks it (found); the back office proposes a referral to the health office's programme
    # once the referral service knows the checked complaint.
    manager = token("manager")
    proposal = {"complaint_id": complaint_id, "programme": "JAMKESDA", "note": "Mohon keringanan biaya berobat"}
    found = wait_for(lambda: httpx.post(f"{referral}/referrals", headers=token("back_office"), json=proposal),
                     lambda r: r.status_code == 201, what="referral proposed")
    draft = found.json()
    assert draft["agency"] == "dinkes" and draft["dtks_status"] == "found"

    # Kill the referral service without warning, start it again: nothing lost, nothing twice.
    platform.services["referral"].kill()
    platform.services["referral"].start()
    platform.services["referral"].wait_healthy()
    r = httpx.post(f"{referral}/referrals/{draft['referral_id']}/approve", headers=manager)
    assert r.status_code == 200 and r.json()["status"] == "sent", r.text
    r = httpx.post(f"{referral}/referrals/{draft['referral_id']}/answer", headers=token("agency", agency="dinkes"),
                   json={"decision": "approved"})
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    # Intake follows the referral from the referral stream and has a notice for the citizen.
    followed = wait_for(lambda: httpx.get(f"{intake}/complaints/{complaint_id}", headers=token("front_office")).json(),
                        lambda c: [x["state"] for x in c.get("referrals", [])] == ["accepted"], what="intake follows")
    assert "Dinas Kesehatan" in followed["tell_citizen"]

    # Kill monitoring too, mid-flow: its read model catches up from the streams exactly once.
    platform.services["monitoring"].kill()
    r = httpx.post(f"{letters}/letters", headers=token("pengelola"), json={
        "letter_type": "sktm", "nik": person["nik"], "citizen_name": person["name"],
        "birth_place": "Muara Beliti", "address": "Desa " + person["village_code"],
        "purpose": "Keringanan biaya rumah sakit", "complaint_id": complaint_id, "receipt_number": receipt})
    assert r.status_code == 201, r.text
    letter_id = r.json()["letter_id"]
    # Verified against the DTKS (programme check over HTTP) and drafted before the paraf chain.
    r = httpx.post(f"{letters}/letters/{letter_id}/draft", headers=token("pengelola"), timeout=30)
    assert r.status_code == 200 and r.json()["validation"]["dtks_found"] is True, r.text
    refused = httpx.post(f"{letters}/letters/{letter_id}/paraf", headers=token("kabid"))
    assert refused.status_code == 409, "Kabid before Kasi must be refused"
    for role in ("kasi", "kabid", "sekdin"):
        r = httpx.post(f"{letters}/letters/{letter_id}/paraf", headers=token(role))
        assert r.status_code == 200, r.text
    r = httpx.post(f"{letters}/letters/{letter_id}/sign", headers=token("kadin"), timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "issued", r.text
    platform.services["monitoring"].start()
    platform.services["monitoring"].wait_healthy()

    expected = ["ComplaintRegistered", "DTKSChecked", "ReferralProposed", "ReferralSent", "ReferralAnswered",
                "LetterRequested", "LetterValidated",
                "LetterInitialled", "LetterInitialled", "LetterInitialled", "LetterSigned", "LetterIssued"]

    def steps_of(t: dict[str, Any]) -> list[str]:
        # Notices to the citizen (CitizenNotified) go out whenever intake's watcher runs: not in the order.
        return [s["event"] for s in t.get("timeline", []) if s["event"] != "CitizenNotified"]

    # Restarted, monitoring catches up from each producer's stream at its own pace: wait for all of them.
    tracking = wait_for(lambda: httpx.get(f"{monitoring}/public/track/{receipt}").json(),
                        lambda t: t.get("status") == "letter_signed" and steps_of(t) == expected,
                        timeout=60, what="every step, letter signed and issued, on tracking")
    assert steps_of(tracking) == expected
    public_text = str(tracking)
    assert person["nik"] not in public_text and person["name"] not in public_text
