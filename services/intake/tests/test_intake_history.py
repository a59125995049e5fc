"""The complaint's audit trail: who did what, when, at which level — never the person's identity."""

from __future__ import annotations

from slrt_contracts import DTKSStatus

NIK = "1605014107800001"  # the synthetic person of conftest


def test_the_history_shows_each_step_with_role_time_and_level_and_no_identity(intake) -> None:
    made = intake.register(identity={"nik": NIK, "name": "Riwayat Sintetis", "consent_to_disclose": False},
                           contact_phone="081299990000")
    cid = made["complaint_id"]
    intake.dtks_checked(cid, DTKSStatus.FOUND)
    assert intake.command(cid, "assess", {"note": "perlu rujukan"}, "front_office").status_code == 200
    level = intake.get(cid)["level"]
    assert intake.command(cid, "escalate", {"reason": "di luar kewenangan"}, level).status_code == 200

    r = intake.client.get(f"/complaints/{cid}/history", headers=intake.token("back_office"))
    assert r.status_code == 200, r.text
    steps = r.json()
    names = [s["step"] for s in steps]
    assert names[0] == "registered" and "dtks_checked" in names and names[-1] == "escalated", names
    registered = steps[0]
    assert registered["by"]["role"] == "front_office" and registered["details"]["channel"] == "front_office"
    dtks = next(s for s in steps if s["step"] == "dtks_checked")
    assert dtks["by"] is None and dtks["details"]["dtks_status"] == "found"
    assessed = next(s for s in steps if s["step"] == "assessed")
    assert assessed["details"]["level"] == level and assessed["details"]["note"] == "perlu rujukan"
    escalated = steps[-1]
    assert escalated["by"]["role"] == level and escalated["details"]["from_level"] == level
    assert escalated["details"]["reason"] == "manual" and escalated["details"]["note"] == "di luar kewenangan"
    assert all(s["at"] for s in steps)
    for secret in (NIK, "Riwayat Sintetis", "081299990000", "Kartu KIS"):
        assert secret not in r.text

    # Read as the complaint is read: another village's officer and an agency are refused.
    assert intake.client.get(f"/complaints/{cid}/history",
                             headers=intake.token("puskesos", "1605022001")).status_code == 403
    assert intake.client.get(f"/complaints/{cid}/history", headers=intake.token("agency")).status_code in (401, 403)
    assert intake.client.get("/complaints/00000000-0000-0000-0000-000000000000/history",
                             headers=intake.token()).status_code == 404
