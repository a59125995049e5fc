"""Every read and command is scoped by role and region; an agency never sees another's referral."""

from __future__ import annotations

from slrt_contracts import Region

OTHER_VILLAGE = Region(district="1605", subdistrict="160502", village="1605022003")


def test_an_agency_sees_only_what_was_sent_to_it(office) -> None:
    complaint = office.complaint()
    to_dinkes = office.sent(complaint, "JAMKESDA")
    to_bpjs = office.sent(complaint, "PBI-JK")
    proposed = office.propose(complaint, "JAMPERSAL").json()["referral_id"]  # dinkes, not approved yet
    dinkes, bpjs = office.as_("agency", agency="dinkes"), office.as_("agency", agency="bpjs-kesehatan")

    assert office.get(f"/referrals/{to_bpjs}", dinkes).status_code == 403
    assert office.get(f"/referrals/{proposed}", dinkes).status_code == 403, "not approved: not sent"
    assert office.get(f"/referrals/{to_dinkes}", dinkes).status_code == 200
    # Another agency may not answer for Dinas Kesehatan.
    assert office.post(to_dinkes, "answer", bpjs, decision="approved").status_code == 403
    assert office.post(to_dinkes, "outcome", bpjs, outcome="provided").status_code == 403

    inbox = office.get("/referrals/inbox", dinkes).json()
    assert [row["referral_id"] for row in inbox["items"]] == [to_dinkes]
    assert inbox["counts"] == {"sent": 1}
    listing = office.get(f"/referrals/by-complaint/{complaint}", dinkes).json()
    assert [row["referral_id"] for row in listing] == [to_dinkes]
    # An agency account of another district sees nothing of this district.
    elsewhere = office.as_("agency", region="1606", agency="dinkes")
    assert office.get(f"/referrals/{to_dinkes}", elsewhere).status_code == 403
    assert office.get("/referrals/inbox", elsewhere).json()["total"] == 0
    assert office.post(to_dinkes, "answer", elsewhere, decision="approved").status_code == 403


def test_inbox_filters_paging_and_counts(office) -> None:
    dinsos = office.as_("agency", agency="dinsos")
    ids = [office.sent(office.complaint(field="social"), programme)
           for programme in ("REHSOS", "BANSOS-DAERAH", "SANTUNAN-KEMATIAN")]
    office.post(ids[0], "answer", dinsos, decision="approved")
    page = office.get("/referrals/inbox", dinsos, limit=2).json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["counts"] == {"accepted": 1, "sent": 2}
    second = office.get("/referrals/inbox", dinsos, limit=2, offset=2).json()
    assert len(second["items"]) == 1
    sent = office.get("/referrals/inbox", dinsos, status="sent").json()
    assert sent["total"] == 2 and sent["counts"] == {"accepted": 1, "sent": 2}
    assert office.get("/referrals/inbox", dinsos, programme="REHSOS").json()["total"] == 1
    assert office.get("/referrals/inbox", dinsos, status="bogus").status_code == 422
    assert office.get("/referrals/inbox", dinsos, limit=0).status_code == 422
    # Staff cannot open the agency inbox, agencies cannot open the staff queues.
    assert office.get("/referrals/inbox", office.as_("manager")).status_code == 403
    assert office.get("/referrals/approvals", dinsos).status_code == 403
    assert office.get("/referrals", dinsos).status_code == 403


def test_staff_see_only_their_region(office) -> None:
    here = office.complaint()
    there = office.complaint(region=OTHER_VILLAGE)
    village_officer = office.as_("puskesos", region="1605012003")
    assert office.propose(here, "JAMKESDA", by=village_officer).status_code == 201
    assert office.propose(there, "JAMKESDA", by=village_officer).status_code == 403
    office.propose(there, "JAMKESDA")
    assert office.get(f"/referrals/by-complaint/{there}", village_officer).status_code == 403
    mine = office.get("/referrals", village_officer).json()
    assert mine["total"] == 1 and mine["items"][0]["complaint_id"] == str(here)
    # A manager of the sub-district of the other village sees only that one in the approval queue.
    sub_manager = office.as_("manager", region="160502")
    queue = office.get("/referrals/approvals", sub_manager).json()
    assert [row["complaint_id"] for row in queue["items"]] == [str(there)]
    referral_here = mine["items"][0]["referral_id"]
    assert office.post(referral_here, "approve", sub_manager).status_code == 403
    assert office.get("/referrals", office.as_("manager")).json()["total"] == 2
    assert office.get("/referrals", office.as_("kadin")).status_code == 403
