"""Synthetic event histories (generated people only): the known history the tests assert against,
and the bulk generator of the benchmark."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from slrt_contracts import ContractEvent, Region
from slrt_contracts.envelope import encode
from slrt_contracts.events import example_events
from slrt_runtime.consumers import Delivery
from slrt_runtime.outbox import HEADER_NOTIFICATION_ID, HEADER_UPSTREAM

T0 = dt.datetime(2026, 10, 5, 2, 0, tzinfo=dt.timezone.utc)
VILLAGE_A = Region(district="1605", subdistrict="160501", village="1605012003")
VILLAGE_B = Region(district="1605", subdistrict="160502", village="1605022002")
# The one person with an identity in the history: synthetic, and never to be seen in monitoring's output.
SECRET_NIK = "1605014107800001"
SECRET_NAME = "Siti Aminah Sintetis"
SECRET_COMPLAINANT = "Budi Santoso Sintetis"
EXAMPLES = {type(e).event_name: e for e in example_events().values()}


def event(name: str, district: str = "1605", **update: Any) -> ContractEvent:
    """A valid event of that name: the contract's example with these fields changed (validated)."""
    example = EXAMPLES[name]
    data = example.model_dump()
    data.update(update, district=district)
    return type(example).model_validate(data)


def cid(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


@dataclass
class History:
    district: str = "1605"
    deliveries: list[Delivery] = field(default_factory=list)
    _ids: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, **update: Any) -> ContractEvent:
        e = event(name, self.district, **update)
        upstream = e.producer
        self._ids[upstream] = self._ids.get(upstream, 0) + 1
        self.deliveries.append(Delivery(upstream, self._ids[upstream], e))
        return e

    def messages(self) -> list[tuple[str, bytes, dict[str, str]]]:
        out = []
        for d in self.deliveries:
            subject, body, headers = encode(d.event, event_id=str(uuid.uuid4()), time=T0, extra_headers={
                HEADER_UPSTREAM: d.upstream, HEADER_NOTIFICATION_ID: str(d.notification_id)})
            out.append((subject, body, headers))
        return out


def region(village: Region, district: str) -> Region:
    return Region(district=district, subdistrict=district + village.subdistrict[4:],
                  village=district + village.village[4:])


def known_history(district: str = "1605") -> History:
    """Nine complaints, seven households, two prelist proposals, three referrals, two letters.

    Expected figures are asserted in test_monitoring_dashboard.py; read them together.
    """
    h = History(district)
    a, b = region(VILLAGE_A, district), region(VILLAGE_B, district)
    households = {  # complaint → (household, programmes, decile)
        1: ("H1", ["PKH", "PBI-JK"], 2), 2: ("H2", ["PBI-JK", "PBI-Daerah"], 1), 3: ("H3", [], 3),
        4: ("H4", ["BPNT"], 5), 5: ("H5", [], 7), 8: ("H6", ["PKH"], 2), 9: ("H7", ["KIP"], 4)}
    for n in range(1, 10):
        where = a if n <= 7 else b
        identity = None
        if n == 1:
            identity = {"nik": SECRET_NIK, "name": SECRET_NAME, "complainant_name": SECRET_COMPLAINANT,
                        "complainant_relation": "anak", "address": "Dusun Sintetis RT 01", "consent_to_disclose": True}
        h.add("ComplaintRegistered", complaint_id=cid(n), receipt_number=f"RK-{district}-26-{n:06d}",
              registered_at=T0 + dt.timedelta(hours=n), region=where, nik=SECRET_NIK if n == 1 else None,
              identity=identity, channel="puskesos" if n == 2 else "front_office")
        checked = T0 + dt.timedelta(hours=n, minutes=5)
        common = {"complaint_id": cid(n), "receipt_number": f"RK-{district}-26-{n:06d}", "checked_at": checked,
                  "region": where, "registry_version": "2026-09"}
        if n in households:
            hh, programmes, decile = households[n]
            h.add("DTKSChecked", status="found", household_id=f"{hh}-{district}", programmes=programmes,
                  welfare_decile=decile, prelist_proposal_id=None, **common)
        elif n == 6:
            h.add("DTKSChecked", status="not_found", household_id=None, programmes=[], welfare_decile=None,
                  prelist_proposal_id=cid(601), **common)
        else:
            h.add("DTKSChecked", status="no_nik", household_id=None, programmes=[], welfare_decile=None,
                  prelist_proposal_id=None, **common)
    day = dt.timedelta(days=1)
    h.add("PrelistProposed", proposal_id=cid(601), region=a, occurred_at=T0 + day, source="complaint",
          complaint_id=cid(6))
    h.add("PrelistVerified", proposal_id=cid(601), region=a, occurred_at=T0 + 3 * day)
    h.add("PrelistProposed", proposal_id=cid(602), region=b, occurred_at=T0 + day, source="puskesos", complaint_id=None)
    h.add("PrelistRejected", proposal_id=cid(602), region=b, occurred_at=T0 + 2 * day)
    for r, n, agency, programme in ((1, 1, "dinkes", "PBI-Daerah"), (2, 3, "dinsos", "PKH"), (3, 4, "dinkes", "PBI-Daerah")):
        common = {"referral_id": cid(700 + r), "complaint_id": cid(n), "receipt_number": f"RK-{district}-26-{n:06d}",
                  "agency": agency, "programme": programme, "region": a}
        h.add("ReferralSent", sent_at=T0 + day + dt.timedelta(hours=r), personal_data=None,
              personal_data_basis="withheld", redirected_from=None, **common)
    h.add("ReferralAnswered", referral_id=cid(701), complaint_id=cid(1), receipt_number=f"RK-{district}-26-000001",
          agency="dinkes", programme="PBI-Daerah", region=a, decision="approved", answered_at=T0 + 2 * day)
    h.add("ReferralOutcomeReported", referral_id=cid(701), complaint_id=cid(1), receipt_number=f"RK-{district}-26-000001",
          agency="dinkes", programme="PBI-Daerah", region=a, outcome="provided", reported_at=T0 + 4 * day)
    h.add("ReferralAnswered", referral_id=cid(702), complaint_id=cid(3), receipt_number=f"RK-{district}-26-000003",
          agency="dinsos", programme="PKH", region=a, decision="rejected", answered_at=T0 + 2 * day)
    h.add("ReferralOverdue", referral_id=cid(703), complaint_id=cid(4), receipt_number=f"RK-{district}-26-000004",
          agency="dinkes", programme="PBI-Daerah", region=a, step="agency_answer", due_at=T0 + 4 * day,
          detected_at=T0 + 4 * day)
    h.add("ComplaintOverdue", complaint_id=cid(5), receipt_number=f"RK-{district}-26-000005", region=a,
          step="handling_back_office", level="back_office", due_at=T0 + 5 * day, detected_at=T0 + 5 * day)
    h.add("ComplaintResolved", complaint_id=cid(1), receipt_number=f"RK-{district}-26-000001", region=a,
          level="manager", resolved_at=T0 + 6 * day, appeal_until=T0 + 20 * day)
    letter = {"letter_id": cid(801), "letter_type": "sktm", "complaint_id": cid(1),
              "receipt_number": f"RK-{district}-26-000001", "region": a.village}
    h.add("LetterRequested", requested_at=T0 + day, **letter)
    h.add("LetterInitialled", initialled_at=T0 + day + dt.timedelta(hours=1), **letter)
    h.add("LetterSigned", signed_at=T0 + day + dt.timedelta(hours=5), letter_number="400.9/0001/DINSOS/2026", **letter)
    h.add("LetterIssued", issued_at=T0 + day + dt.timedelta(hours=5, seconds=1), letter_number="400.9/0001/DINSOS/2026",
          **letter)
    h.add("LetterRequested", letter_id=cid(802), letter_type="rec-civil-registry", complaint_id=cid(7),
          receipt_number=f"RK-{district}-26-000007", region=a.village, requested_at=T0 + day)
    return h




async def publish(nats_url: str, settings: Any, messages: list[tuple[str, bytes, dict[str, str]]]) -> None:
    """Publish encoded events to JetStream as the producers' relays would (streams created first)."""
    import nats
    from slrt_runtime.streams import ensure_streams

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_streams(js, settings)
    for subject, body, headers in messages:
        await js.publish(subject, body, headers=headers, timeout=10)
    await nc.close()
