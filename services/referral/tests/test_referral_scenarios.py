"""Referrals as the business process: staff propose, the manager approves, agencies answer."""

from __future__ import annotations

from slrt_contracts import Actor, Role
from slrt_referral.entrypoints.messaging import to_contract


def published(office) -> list:
    app = office.app
    events = [to_contract(app.mapper.to_domain_event(n), app) for n in app.recorder.select_notifications(1, 1000)]
    return [e for e in events if e is not None]


def test_referred_to_two_agencies_one_rejects_with_reason_one_accepts_then_reports_the_outcome(office) -> None:
    complaint = office.complaint(field="health")
    manager, back_office = office.as_("manager"), office.as_("back_office")
    dinkes, bpjs = office.as_("agency", agency="dinkes"), office.as_("agency", agency="bpjs-kesehatan")

    # Complementarity: the back office proposes two programmes for the same complaint.
    health_fee = office.propose(complaint, "JAMKESDA", by=back_office)
    insurance = office.propose(complaint, "PBI-JK", by=back_office)
    assert health_fee.status_code == insurance.status_code == 201
    assert health_fee.json()["status"] == "awaiting_approval" and health_fee.json()["agency"] == "dinkes"
    assert insurance.json()["agency"] == "bpjs-kesehatan" and insurance.json()["agency_level"] == "national"
    # The same programme twice while the first is open: refused.
    assert office.propose(complaint, "JAMKESDA", by=back_office).status_code == 409

    queue = office.get("/referrals/approvals", manager).json()
    assert queue["total"] == 2
    jamkesda, pbi = health_fee.json()["referral_id"], insurance.json()["referral_id"]
    # An agency cannot answer before the manager approved; and the back office cannot approve.
    assert office.post(jamkesda, "answer", dinkes, decision="approved").status_code == 409
    assert office.post(jamkesda, "approve", back_office).status_code == 403
    for referral in (jamkesda, pbi):
        r = office.post(referral, "approve", manager)
        assert r.status_code == 200 and r.json()["status"] == "sent"
        assert r.json()["answer_due_at"] is not None
    assert office.post(jamkesda, "approve", manager).status_code == 409, "approving twice"
    assert office.get("/referrals/approvals", manager).json()["total"] == 0

    # Dinkes rejects: a reason is required, and the citizen is told it.
    assert office.post(jamkesda, "answer", dinkes, decision="rejected").status_code == 422
    r = office.post(jamkesda, "answer", dinkes, decision="rejected", reason="Sudah ditanggung PBI-JK")
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert office.post(jamkesda, "answer", dinkes, decision="approved").status_code == 409, "answered already"

    # BPJS Kesehatan reviews further, accepts, then reports the outcome.
    assert office.post(pbi, "outcome", bpjs, outcome="provided").status_code == 409, "outcome before accepting"
    assert office.post(pbi, "answer", bpjs, decision="further_review").json()["status"] == "under_review"
    assert office.post(pbi, "answer", bpjs, decision="approved").json()["status"] == "accepted"
    r = office.post(pbi, "outcome", bpjs, outcome="provided", note="Aktif sebagai PBI-JK mulai bulan depan")
    assert r.status_code == 200 and r.json()["status"] == "completed"
    assert r.json()["outcome"]["outcome"] == "provided"

    both = office.get(f"/referrals/by-complaint/{complaint}", office.as_("front_office")).json()
    assert {(x["programme"], x["status"]) for x in both} == {("JAMKESDA", "rejected"), ("PBI-JK", "completed")}

    facts = [(e.event_name, e.subject()) for e in published(office)]
    assert ("ReferralProposed", "slrt.1605.referral.dinkes.internal.proposed") in facts
    assert ("ReferralSent", "slrt.1605.referral.bpjs-kesehatan.sent") in facts
    assert ("ReferralAnswered", "slrt.1605.referral.dinkes.answered") in facts
    assert ("ReferralOutcomeReported", "slrt.1605.referral.bpjs-kesehatan.outcome") in facts
    rejected = next(e for e in published(office) if e.event_name == "ReferralAnswered" and e.agency == "dinkes")
    assert rejected.reason == "Sudah ditanggung PBI-JK" and rejected.region.village == "1605012003"


def test_revoked_and_redirected(office) -> None:
    complaint = office.complaint(field="social")
    manager, dinsos = office.as_("manager"), office.as_("agency", agency="dinsos")
    baznas = office.as_("agency", agency="baznas")
    revoked = office.sent(complaint, "REHSOS")
    redirected = office.sent(complaint, "BANSOS-DAERAH")

    # The secretariat revokes a sent referral, with a reason; only the manager may.
    assert office.post(revoked, "revoke", office.as_("back_office"), reason="x").status_code == 403
    assert office.post(revoked, "revoke", manager, reason="").status_code == 422
    r = office.post(revoked, "revoke", manager, reason="Sudah ditangani Puskesos")
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert office.post(revoked, "answer", dinsos, decision="approved").status_code == 409, "revoked: no answer"
    assert office.post(revoked, "revoke", manager, reason="again").status_code == 409

    # Dinsos rejects the other one; the secretariat redirects it to the zakat body.
    office.post(redirected, "answer", dinsos, decision="rejected", reason="Anggaran tahun ini habis")
    r = office.post(redirected, "redirect", manager, programme="ZAKAT", reason="Dialihkan ke BAZNAS")
    assert r.status_code == 201, r.text
    successor = r.json()
    assert successor["status"] == "sent" and successor["agency"] == "baznas"
    assert successor["redirected_from"] == redirected
    old = office.get(f"/referrals/{redirected}", manager).json()
    assert old["status"] == "revoked" and old["redirected_to"] == successor["referral_id"]
    # The new agency sees and answers it; the old one cannot answer any more.
    assert office.post(successor["referral_id"], "answer", baznas, decision="approved").status_code == 200
    assert office.post(redirected, "answer", dinsos, decision="approved").status_code == 409
    # Redirecting to the same programme, or redirecting a revoked referral, is refused.
    assert office.post(successor["referral_id"], "redirect", manager, programme="ZAKAT", reason="x").status_code == 422
    assert office.post(revoked, "redirect", manager, programme="ZAKAT", reason="x").status_code == 409

    facts = {e.event_name: e for e in published(office)}
    assert facts["ReferralRevoked"].subject() == "slrt.1605.referral.dinsos.revoked"
    moved = facts["ReferralRedirected"]
    assert moved.subject() == "slrt.1605.referral.dinsos.redirected"
    assert (moved.redirected_to_agency, moved.redirected_to_programme) == ("baznas", "ZAKAT")
    assert [e.redirected_from for e in published(office) if e.event_name == "ReferralSent"][-1] is not None


def test_manager_declines_a_proposal_which_is_never_sent(office) -> None:
    complaint = office.complaint()
    referral = office.propose(complaint, "JAMKESDA").json()["referral_id"]
    manager = office.as_("manager")
    assert office.post(referral, "decline", manager, reason="Ditangani langsung oleh BO").json()["status"] == "declined"
    assert office.post(referral, "approve", manager).status_code == 409
    assert office.post(referral, "revoke", manager, reason="x").status_code == 409
    dinkes = office.as_("agency", agency="dinkes")
    assert office.get(f"/referrals/{referral}", dinkes).status_code == 403
    assert office.post(referral, "answer", dinkes, decision="approved").status_code == 409
    # Declined, it no longer blocks a new proposal to the same programme.
    assert office.propose(complaint, "JAMKESDA").status_code == 201


def test_answering_a_never_sent_or_unknown_referral_is_refused(office) -> None:
    complaint = office.complaint()
    referral = office.propose(complaint, "JAMKESDA").json()["referral_id"]
    dinkes = office.as_("agency", agency="dinkes")
    r = office.post(referral, "answer", dinkes, decision="approved")
    assert r.status_code == 409 and "not been sent" in r.json()["detail"]
    assert office.post(referral, "outcome", dinkes, outcome="provided").status_code == 409
    missing = "00000000-0000-4000-8000-000000000000"
    assert office.post(missing, "answer", dinkes, decision="approved").status_code == 404
    assert office.post(referral, "answer", dinkes, decision="maybe").status_code == 422
    # Nothing changed: still waiting for the manager.
    assert office.get(f"/referrals/{referral}", office.as_("manager")).json()["status"] == "awaiting_approval"


def test_a_complaint_is_referred_only_once_known_and_checked(office) -> None:
    import uuid

    assert office.propose(uuid.uuid4(), "JAMKESDA").status_code == 404
    complaint = office.complaint()
    assert office.propose(complaint, "NOPE").status_code == 404
    assert office.propose(complaint, "JAMKESDA", by=office.as_("agency", agency="dinkes")).status_code == 403
    assert office.propose(complaint, "JAMKESDA", by=office.as_("dtks_operator")).status_code == 403


def test_redelivered_complaint_events_change_nothing_and_sent_carries_the_dtks_result(office) -> None:
    complaint = office.complaint()
    before = office.app.recorder.max_notification_id()
    for delivery in list(office.delivered):  # the broker delivers them all again
        office.redeliver(delivery)
    assert office.app.recorder.max_notification_id() == before
    office.sent(complaint, "ADMINDUK")
    sent = next(e for e in published(office) if e.event_name == "ReferralSent")
    assert sent.agency == "dukcapil" and sent.programme == "ADMINDUK" and sent.dtks_status == "found"
    assert sent.programmes == ["PKH"]
    assert sent.approved_by == Actor(id="manager-1605", role=Role.MANAGER, region="1605")


def _arrivals(complaint_id, dtks_status="found"):
    import datetime as dt

    from slrt_contracts import Actor, Channel, ComplaintRegistered, DTKSChecked, Region, Role

    region = Region(district="1605", subdistrict="160501", village="1605012003")
    common = dict(district="1605", complaint_id=complaint_id, receipt_number="RK-1605-26-000123", region=region,
                  field="health", complaint_type="grievance")
    registered = ComplaintRegistered(**common, registered_at=dt.datetime.now(dt.timezone.utc),
                                     channel=Channel.FRONT_OFFICE,
                                     recorded_by=Actor(id="fo", role=Role.FRONT_OFFICE, region="1605"))
    checked = DTKSChecked(**common, checked_at=dt.datetime.now(dt.timezone.utc), status=dtks_status,
                          programmes=["PKH"])
    return region, registered, checked


def test_registration_and_dtks_check_take_effect_in_either_order_once_each(office) -> None:
    import uuid

    from slrt_runtime.consumers import Delivery

    app = office.app
    for check_first in (False, True):
        complaint_id = uuid.uuid4()
        _, registered, checked = _arrivals(complaint_id)
        deliveries = [Delivery("intake", 601 + 2 * check_first, registered),
                      Delivery("dtks", 602 + 2 * check_first, checked)]
        for delivery in reversed(deliveries) if check_first else deliveries:
            handler = app.on_complaint_registered if delivery.upstream == "intake" else app.on_complaint_checked
            handler(delivery)
            handler(delivery)  # redelivered: recognised, no second effect
        assert office.propose(complaint_id, "JAMKESDA").status_code == 201, "registered and checked"
    before = app.recorder.max_notification_id()
    # A second check of a complaint under another message id: recorded as seen, the first one stands.
    _, _, again = _arrivals(complaint_id, dtks_status="not_found")
    app.on_complaint_checked(Delivery("dtks", 700, again))
    assert app.recorder.max_notification_id() == before and app.is_processed("dtks", 700)
    assert app._dtks(app._complaint(complaint_id)) == ("found", ["PKH"])


def test_a_complaint_noted_by_its_dtks_check_in_an_older_store_takes_its_registration(office) -> None:
    import uuid

    from slrt_referral.domain import Complaint
    from slrt_runtime.consumers import Delivery

    app, complaint_id = office.app, uuid.uuid4()
    region, registered, _ = _arrivals(complaint_id)
    # As the service stored it before DTKSResult: the complaint noted by its check, which it carries.
    noted = Complaint(complaint_id=complaint_id, receipt_number="RK-1605-26-000123", region=region,
                      field="health", complaint_type="grievance")
    noted.check("found", ["PKH"])
    app.save(noted)
    assert office.propose(complaint_id, "JAMKESDA").status_code == 409, "not registered yet"
    app.on_complaint_registered(Delivery("intake", 801, registered))
    assert app.is_processed("intake", 801)
    r = office.propose(complaint_id, "JAMKESDA")
    assert r.status_code == 201 and r.json()["dtks_status"] == "found" and r.json()["programmes"] == ["PKH"]
