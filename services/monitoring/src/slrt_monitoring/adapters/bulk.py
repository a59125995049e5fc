"""Bulk synthetic histories for the benchmark: many complaints of one district, each with a few of
the usual events (registration, DTKS check, referral sent and answered, resolution). No person in
them: ids, codes and times only."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator

from slrt_contracts import Actor, Region, Role
from slrt_contracts.events.common import Channel, ComplaintType, ServiceField
from slrt_contracts.events.dtks import DTKSChecked, DTKSStatus
from slrt_contracts.events.intake import ComplaintRegistered
from slrt_contracts.events.referral import ReferralAnswered, ReferralDecision, ReferralSent
from slrt_reference.regions import regions as reference
from slrt_runtime.consumers import Delivery

PROGRAMMES = ("PKH", "BPNT", "PBI-JK", "PBI-Daerah", "KIP")
AGENCIES = ("dinkes", "dinsos", "disdik", "dukcapil")
START = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def regions(district: str, subdistricts: int = 14, villages: int = 15) -> list[Region]:
    """Real villages of the district from the region reference data (the first ones by code), so that
    reports name them. A district the reference lacks (the national benchmark's template districts
    9001...) gets a grid of made-up codes of the same shape."""
    known = [Region(district=district, subdistrict=s.code, village=v.code)
             for s in reference().children(district)[:subdistricts]
             for v in reference().children(s.code)[:villages]]
    return known or [Region(district=district, subdistrict=f"{district}{s:02d}", village=f"{district}{s:02d}{v:04d}")
                     for s in range(1, subdistricts + 1) for v in range(1, villages + 1)]


def bulk(district: str, events: int, seed: int = 6, only_registrations: bool = False,
         first_complaint: int = 0) -> Iterator[Delivery]:
    """About ``events`` deliveries (whole complaints), with per-producer notification ids."""
    rnd = random.Random(seed)
    where = regions(district)
    fo = Actor(id="fo-bench", role=Role.FRONT_OFFICE, region=district)
    mgr = Actor(id="mgr-bench", role=Role.MANAGER, region=district)
    agent = Actor(id="agency-bench", role=Role.AGENCY, region=district, agency="dinkes")
    ids = {"intake": first_complaint, "dtks": first_complaint, "referral": first_complaint}
    count, n = 0, first_complaint
    households = max(1, events // 5)

    def out(upstream: str, event: object) -> Delivery:
        ids[upstream] += 1
        return Delivery(upstream, ids[upstream], event)  # type: ignore[arg-type]

    while count < events:
        n += 1
        cid = uuid.UUID(int=n)
        receipt = f"RK-{district}-26-{n:07d}"
        region = where[rnd.randrange(len(where))]
        at = START + dt.timedelta(minutes=n % 500_000)
        field = rnd.choice(list(ServiceField))
        yield out("intake", ComplaintRegistered.model_construct(
            district=district, complaint_id=cid, receipt_number=receipt, registered_at=at,
            channel=rnd.choice(list(Channel)), complaint_type=rnd.choice(list(ComplaintType)), field=field,
            region=region, nik=None, recorded_by=fo, source=None, programme=None, identity=None))
        count += 1
        if only_registrations:
            continue
        status = rnd.choices(list(DTKSStatus), weights=(7, 2, 1))[0]
        found = status is DTKSStatus.FOUND
        yield out("dtks", DTKSChecked.model_construct(
            district=district, complaint_id=cid, receipt_number=receipt, checked_at=at + dt.timedelta(minutes=3),
            status=status, household_id=f"H{rnd.randrange(households)}" if found else None,
            programmes=sorted(rnd.sample(PROGRAMMES, rnd.randrange(3))) if found else [],
            welfare_decile=rnd.randint(1, 10) if found else None, field=field,
            complaint_type=ComplaintType.GRIEVANCE, region=region, registry_version="2026-01",
            prelist_proposal_id=None))
        count += 1
        if rnd.random() < 0.6:
            rid = uuid.UUID(int=(1 << 64) + n)
            agency = rnd.choice(AGENCIES)
            programme = rnd.choice(PROGRAMMES)
            yield out("referral", ReferralSent.model_construct(
                district=district, referral_id=rid, complaint_id=cid, receipt_number=receipt, agency=agency,
                field=field, complaint_type=ComplaintType.GRIEVANCE, dtks_status=status, programmes=[],
                region=region, sent_at=at + dt.timedelta(hours=2), approved_by=mgr, programme=programme,
                agency_level=None, answer_due_at=None, note=None, personal_data_basis=None, personal_data=None,
                redirected_from=None))
            count += 1
            if rnd.random() < 0.8:
                yield out("referral", ReferralAnswered.model_construct(
                    district=district, referral_id=rid, complaint_id=cid, receipt_number=receipt, agency=agency,
                    decision=rnd.choice(list(ReferralDecision)), reason=None,
                    answered_at=at + dt.timedelta(days=2), answered_by=agent, region=region, programme=programme))
                count += 1
