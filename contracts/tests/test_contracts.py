"""Unit tests of the contracts: envelope, region, NIK, actor; and that the package stands alone."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import uuid

import pytest
from pydantic import ValidationError
from slrt_contracts import (
    ALL_EVENTS,
    EVENTS_BY_TYPE,
    Actor,
    Channel,
    ComplaintRegistered,
    ComplaintType,
    ContractEvent,
    DTKSStatus,
    EnvelopeError,
    InvalidNIK,
    ReferralSent,
    Region,
    Role,
    ServiceField,
    decode,
    encode,
    nik_parts,
    service_actor,
    validate_nik,
)
from slrt_contracts.envelope import NATS_MSG_ID, source_for
from slrt_contracts.events import example_events

# Synthetic NIKs: district 1605, sub-district 160501, born 1 July 1980, serial 0001.
NIK_FEMALE = "1605014107800001"  # day 41 = 1 + 40
NIK_MALE = "1605010107800001"
REGION = Region(district="1605", subdistrict="160501", village="1605012001")
WIB = dt.timezone(dt.timedelta(hours=7))
EVENT_IDS = [cls.__name__ for cls in ALL_EVENTS]


def complaint(**changes) -> ComplaintRegistered:
    fields = dict(
        district="1605",
        complaint_id=uuid.UUID("11111111-2222-4333-8444-555555555555"),
        receipt_number="1605-20250304-0007",
        registered_at=dt.datetime(2025, 3, 4, 9, 30, tzinfo=WIB),
        channel=Channel.PUSKESOS,
        complaint_type=ComplaintType.QUESTION,
        field=ServiceField.SOCIAL,
        region=REGION,
        nik=NIK_FEMALE,
        recorded_by=Actor(id="pk-0001", role=Role.PUSKESOS, region="1605012001"),
    )
    fields.update(changes)
    return ComplaintRegistered(**fields)


def referral() -> ReferralSent:
    return ReferralSent(
        district="1605",
        referral_id=uuid.uuid4(),
        complaint_id=uuid.uuid4(),
        receipt_number="1605-20250304-0007",
        agency="dinsos",
        field=ServiceField.SOCIAL,
        complaint_type=ComplaintType.GRIEVANCE,
        dtks_status=DTKSStatus.NOT_FOUND,
        region=REGION,
        sent_at=dt.datetime(2025, 3, 5, tzinfo=dt.timezone.utc),
        approved_by=Actor(id="mgr-1", role=Role.MANAGER, region="1605"),
    )


def encoded(event: ContractEvent, event_id: str = "e-1") -> tuple[str, bytes, dict[str, str]]:
    return encode(event, event_id=event_id, time=dt.datetime(2025, 3, 4, 9, 30, 5, tzinfo=WIB))


# ---- envelope ---------------------------------------------------------------------------------


def test_encode_decode_round_trip():
    event = complaint()
    event_id = str(uuid.uuid4())
    subject, body, headers = encoded(event, event_id)

    assert subject == "slrt.1605.intake.complaint.registered"
    assert headers["ce-id"] == headers["Nats-Msg-Id"] == event_id
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-type"] == "id.slrt.intake.ComplaintRegistered.v1" == ComplaintRegistered.ce_type()
    assert headers["ce-source"] == "/slrt/1605/intake" == source_for("intake", "1605")
    assert headers["ce-subject"] == str(event.complaint_id)
    assert headers["ce-dataschema"] == ComplaintRegistered.dataschema()
    assert headers["ce-datacontenttype"] == headers["content-type"] == "application/json"
    assert dt.datetime.fromisoformat(headers["ce-time"]) == dt.datetime(2025, 3, 4, 2, 30, 5, tzinfo=dt.timezone.utc)
    assert headers["ce-time"].endswith("+00:00")

    decoded = decode(headers, body)
    assert type(decoded) is ComplaintRegistered
    assert decoded == event
    assert decoded.nik == NIK_FEMALE


def test_referral_subject_carries_the_agency():
    event = referral()
    subject, body, headers = encoded(event)
    assert subject == "slrt.1605.referral.dinsos.sent"
    assert headers["ce-source"] == "/slrt/1605/referral"
    assert headers["ce-subject"] == str(event.referral_id)
    assert decode(headers, body) == event


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=EVENT_IDS)
def test_every_event_round_trips(cls: type[ContractEvent]):
    event = example_events()[cls]
    subject, body, headers = encoded(event)
    assert EVENTS_BY_TYPE[headers["ce-type"]] is cls
    assert subject == event.subject()
    assert subject.startswith(f"slrt.{event.district}.{cls.producer}.")
    assert headers["ce-source"] == f"/slrt/{event.district}/{cls.producer}"
    assert decode(headers, body) == event


def test_extra_headers_are_added():
    _, _, headers = encode(
        complaint(), event_id="e-2", time=dt.datetime.now(dt.timezone.utc), extra_headers={"traceparent": "00-x"}
    )
    assert headers["traceparent"] == "00-x"
    assert headers[NATS_MSG_ID] == "e-2"


def test_messages_published_before_ce_datacontenttype_are_still_read():
    _, body, headers = encoded(complaint())
    del headers["ce-datacontenttype"]  # as the relay published them before
    assert decode(headers, body) == complaint()
    del headers["content-type"]
    assert decode(headers, body) == complaint()


def test_decode_rejects_a_body_that_is_not_json_by_its_content_type():
    _, body, headers = encoded(complaint())
    headers["ce-datacontenttype"] = "application/xml"
    with pytest.raises(EnvelopeError, match="ce-datacontenttype must be application/json"):
        decode(headers, body)


def test_decoder_ignores_unknown_fields():
    _, body, headers = encoded(complaint())
    payload = json.loads(body)
    payload["added_later"] = {"optional": True}
    assert decode(headers, json.dumps(payload).encode()) == complaint()


@pytest.mark.parametrize(
    ("drop", "reason"),
    [("ce-type", "missing ce-type"), ("ce-id", "missing ce-id")],
)
def test_decode_rejects_missing_headers(drop, reason):
    _, body, headers = encoded(complaint())
    del headers[drop]
    with pytest.raises(EnvelopeError, match=reason):
        decode(headers, body)


def test_decode_rejects_no_headers():
    _, body, _ = encoded(complaint())
    with pytest.raises(EnvelopeError, match="missing ce-type"):
        decode(None, body)


def test_decode_rejects_unknown_type():
    _, body, headers = encoded(complaint())
    headers["ce-type"] = "id.slrt.intake.ComplaintRegistered.v9"
    with pytest.raises(EnvelopeError, match="unknown event type"):
        decode(headers, body)


@pytest.mark.parametrize("body", [b"not json{", b"", b"\xff\xfe\x00"], ids=["text", "empty", "binary"])
def test_decode_rejects_non_json(body):
    _, _, headers = encoded(complaint())
    with pytest.raises(EnvelopeError, match="not JSON"):
        decode(headers, body)


def test_decode_invalid_field_does_not_echo_personal_data():
    _, body, headers = encoded(complaint())
    payload = json.loads(body)
    bad_nik = "1605019907800001"  # day 99: no birth day
    payload["nik"] = bad_nik
    with pytest.raises(EnvelopeError) as info:
        decode(headers, json.dumps(payload).encode())
    message = str(info.value)
    assert message.startswith("ComplaintRegistered.v1 invalid: ")
    assert "nik" in message
    assert bad_nik not in message
    assert "019907" not in message


def test_decode_invalid_fields_are_all_listed_without_values():
    _, body, headers = encoded(complaint())
    payload = json.loads(body)
    payload["region"]["village"] = "16050X2001"
    payload["receipt_number"] = "R" * 40
    del payload["channel"]
    with pytest.raises(EnvelopeError) as info:
        decode(headers, json.dumps(payload).encode())
    message = str(info.value)
    for loc in ("region.village", "receipt_number", "channel"):
        assert loc in message
    assert "16050X2001" not in message and "R" * 40 not in message


def test_decode_rejects_nesting_violation():
    _, body, headers = encoded(complaint())
    payload = json.loads(body)
    payload["region"]["village"] = "1605022001"  # in sub-district 160502, not 160501
    with pytest.raises(EnvelopeError, match="village code must start with the sub-district code"):
        decode(headers, json.dumps(payload).encode())


# ---- region -----------------------------------------------------------------------------------


def test_region_nesting_valid():
    assert REGION.village.startswith(REGION.subdistrict) and REGION.subdistrict.startswith(REGION.district)


@pytest.mark.parametrize(
    ("region", "error"),
    [
        (dict(district="1605", subdistrict="160601", village="1606012001"), "subdistrict code must start"),
        (dict(district="1605", subdistrict="160501", village="1605022001"), "village code must start"),
        (dict(district="165", subdistrict="160501", village="1605012001"), "pattern"),
        (dict(district="1605", subdistrict="16050", village="1605012001"), "pattern"),
        (dict(district="1605", subdistrict="160501", village="16050120"), "pattern"),
        (dict(district="1605", subdistrict="160501"), "village"),
        (dict(district="1605", subdistrict="160501", village="1605012001", hamlet="01"), "hamlet"),
    ],
    ids=["subdistrict-outside", "village-outside", "short-district", "short-subdistrict", "short-village",
         "missing-village", "extra-field"],
)
def test_region_nesting_rejected(region, error):
    with pytest.raises(ValidationError, match=error):
        Region(**region)


def test_event_region_must_be_nested():
    with pytest.raises(ValidationError, match="village code must start"):
        complaint(region=dict(district="1605", subdistrict="160501", village="1605999001"))


# ---- NIK --------------------------------------------------------------------------------------


def test_nik_valid_female():
    assert validate_nik(NIK_FEMALE) == NIK_FEMALE
    parts = nik_parts(NIK_FEMALE)
    assert parts.district_code == "1605"
    assert parts.subdistrict_code == "160501"
    assert parts.birth_date == dt.date(1980, 7, 1)
    assert parts.sex == "F"


def test_nik_valid_male():
    parts = nik_parts(NIK_MALE)
    assert parts.birth_date == dt.date(1980, 7, 1)
    assert parts.sex == "M"


def test_nik_women_day_plus_forty_last_day():
    parts = nik_parts("1605017107800001")  # day 71 = 31 + 40
    assert parts.birth_date == dt.date(1980, 7, 31) and parts.sex == "F"


@pytest.mark.parametrize("value", ["1605 0141 0780 0001", "1605.0141.0780.0001", "1605-0141-0780-0001"])
def test_nik_separators_are_stripped(value):
    assert validate_nik(value) == NIK_FEMALE


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1605013507800001", "birth"),  # day 35
        ("1605019907800001", "birth day"),  # day 99
        ("1605013207800001", "birth"),  # day 32
        ("1605017207800001", "birth"),  # day 72
        ("1605014113800001", "birth"),  # month 13
        ("9999014107800001", "province/district"),  # no such region
        ("160501410780001", "16 digits"),  # 15 digits
        ("16050141078000011", "16 digits"),  # 17 digits
        ("16050141078000AB", "digits only"),
        ("A605014107800001", "digits only"),
    ],
    ids=["day-35", "day-99", "day-32", "day-72", "month-13", "bad-region", "short", "long",
         "letters", "leading-letter"],
)
def test_nik_rejected(value, reason):
    with pytest.raises(InvalidNIK, match=reason) as info:
        validate_nik(value)
    if value:
        assert value not in str(info.value)


@pytest.mark.parametrize("value", ["", "   ", None])
def test_nik_empty_rejected(value):
    with pytest.raises(InvalidNIK):
        validate_nik(value)


def test_nik_field_in_a_model():
    assert complaint(nik="1605 0141 0780 0001").nik == NIK_FEMALE
    assert complaint(nik=None).nik is None
    with pytest.raises(ValidationError) as info:
        complaint(nik="1605019907800001")
    assert info.value.errors()[0]["loc"] == ("nik",)


# ---- actor ------------------------------------------------------------------------------------


def test_actor_covers():
    district = Actor(id="mgr-1", role=Role.MANAGER, region="1605")
    village = Actor(id="pk-1", role=Role.PUSKESOS, region="1605012001")
    province = Actor(id="admin-1", role=Role.ADMIN, region="16")
    assert district.covers("1605012001") and district.covers("160501") and district.covers("1605")
    assert not district.covers("1606012001")
    assert village.covers("1605012001")
    assert not village.covers("1605012002") and not village.covers("1605")
    assert province.covers("1605012001") and not province.covers("3171")


@pytest.mark.parametrize(
    "fields",
    [
        dict(id="x", role="front_office", region="160"),  # 3 digits is no region level
        dict(id="x", role="front_office", region="1605012"),
        dict(id="", role="front_office", region="1605"),
        dict(id="x", role="mayor", region="1605"),
        dict(id="x", role="agency", region="1605", agency="Dinkes"),
        dict(id="x", role="front_office", region="1605", name="not allowed"),
    ],
    ids=["region-3", "region-7", "empty-id", "unknown-role", "agency-case", "extra-field"],
)
def test_actor_rejected(fields):
    with pytest.raises(ValidationError):
        Actor(**fields)


def test_service_actor():
    actor = service_actor("referral", "1605")
    assert actor == Actor(id="svc-referral", role=Role.SERVICE, region="1605")
    assert actor.covers("1605012001")


# ---- stands alone -----------------------------------------------------------------------------

_FORBIDDEN = ("slrt_runtime", "slrt_intake", "fastapi", "eventsourcing", "nats", "faststream")


@pytest.mark.parametrize("module", ["slrt_contracts", "slrt_contracts.generate", "slrt_contracts.streams"])
def test_contracts_import_without_service_or_runtime_modules(module):
    code = (
        f"import {module}, sys; "
        f"bad = sorted(m for m in sys.modules if m.startswith({_FORBIDDEN!r})); "
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_contracts_import_check_as_specified():
    code = (
        "import slrt_contracts, sys; assert not any(m.startswith(('slrt_runtime','slrt_intake','fastapi',"
        "'eventsourcing','nats','faststream')) for m in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_an_agency_answer_with_a_nul_byte_in_its_reason_is_refused_naming_the_field():
    from slrt_contracts.events.agency import ReferralAnswerSubmitted, examples

    answer = examples()[0]
    _, body, headers = encoded(answer)
    payload = json.loads(body)
    payload["decision"], payload["reason"] = "rejected", "Tidak memenuhi\x00 syarat"
    with pytest.raises(EnvelopeError) as info:
        decode(headers, json.dumps(payload).encode())
    assert "reason" in str(info.value) and "control characters" in str(info.value)
    assert "memenuhi" not in str(info.value)
    payload["reason"] = "Tidak memenuhi syarat:\n- bukan warga\t(KTP luar daerah)"
    assert isinstance(decode(headers, json.dumps(payload).encode()), ReferralAnswerSubmitted)
