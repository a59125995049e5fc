"""Confidential by default: an agency sees the person's identity only with consent or where its
programme cannot serve without it — on the bus and through the API alike."""

from __future__ import annotations

from slrt_contracts.events.referral import ReferralSent
from slrt_referral.entrypoints.messaging import to_contract


def sent_events(office) -> list[ReferralSent]:
    app = office.app
    events = [to_contract(app.mapper.to_domain_event(n), app) for n in app.recorder.select_notifications(1, 1000)]
    return [e for e in events if isinstance(e, ReferralSent)]


def test_confidential_identity_hidden_from_an_agency_without_consent(office) -> None:
    complaint = office.complaint(consent=False, name="Rahasia Sintetis")
    referral = office.sent(complaint, "JAMKESDA")  # health-fee relief: no personal data needed
    dinkes = office.as_("agency", agency="dinkes")

    view = office.get(f"/referrals/{referral}", dinkes)
    assert view.status_code == 200
    assert view.json()["personal_data_basis"] == "withheld" and view.json()["personal_data"] is None
    assert "Rahasia Sintetis" not in view.text and "1605014107800001" not in view.text
    inbox = office.get("/referrals/inbox", dinkes)
    assert inbox.json()["total"] == 1 and "Rahasia Sintetis" not in inbox.text

    (sent,) = sent_events(office)
    assert sent.personal_data is None and sent.personal_data_basis == "withheld"
    assert "Rahasia Sintetis" not in sent.model_dump_json()


def test_identity_disclosed_with_consent(office) -> None:
    complaint = office.complaint(consent=True, name="Terbuka Sintetis")
    referral = office.sent(complaint, "JAMKESDA")
    view = office.get(f"/referrals/{referral}", office.as_("agency", agency="dinkes")).json()
    assert view["personal_data_basis"] == "consent"
    assert view["personal_data"]["name"] == "Terbuka Sintetis"
    (sent,) = sent_events(office)
    assert sent.personal_data is not None and sent.personal_data.nik == "1605014107800001"


def test_identity_disclosed_where_the_programme_needs_it_and_says_so(office) -> None:
    complaint = office.complaint(consent=False, name="Perlu Sintetis")
    referral = office.sent(complaint, "PBI-JK")  # enrolment needs the NIK
    view = office.get(f"/referrals/{referral}", office.as_("agency", agency="bpjs-kesehatan")).json()
    assert view["personal_data_basis"] == "service_need"
    assert view["personal_data"]["nik"] == "1605014107800001"
    (sent,) = sent_events(office)
    assert sent.personal_data_basis == "service_need" and sent.personal_data.name == "Perlu Sintetis"


def test_consent_withdrawn_later_hides_the_identity_again(office) -> None:
    import datetime as dt

    from slrt_contracts import Actor, Role
    from slrt_contracts.events.intake import DisclosureConsentRecorded
    from slrt_runtime.consumers import Delivery

    complaint = office.complaint(consent=True, name="Tarik Sintetis")
    referral = office.sent(complaint, "JAMKESDA")
    office.app.on_consent_recorded(Delivery("intake", 999, DisclosureConsentRecorded(
        district="1605", complaint_id=complaint, receipt_number="RK-1605-26-000001", consent_to_disclose=False,
        recorded_at=dt.datetime.now(dt.timezone.utc), recorded_by=Actor(id="fo-1", role=Role.FRONT_OFFICE,
                                                                         region="1605"))))
    view = office.get(f"/referrals/{referral}", office.as_("agency", agency="dinkes"))
    assert view.json()["personal_data"] is None and "Tarik Sintetis" not in view.text
