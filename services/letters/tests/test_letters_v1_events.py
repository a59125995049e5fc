"""Letters stored before the catalogue (v1 events: nik and citizen_name on the request, no region)
still load, publish and can be finished: nothing stored is lost by the new model."""

from __future__ import annotations

import datetime as dt
import uuid

from eventsourcing.persistence import StoredEvent
from slrt_letters.application import LettersApplication
from slrt_letters.entrypoints.messaging import to_contract
from slrt_letters.testing import KABID, KADIN, KASI, NIK, PENGELOLA, SEKDIN


def v1_letter(app: LettersApplication) -> uuid.UUID:
    """A v1 `rekomendasi-pbi-daerah` initialled by Kasi and Kabid, stored as v1 stored it."""
    letter_id, at = uuid.uuid4(), dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.timezone.utc)
    identity = {"district": "1605", "letter_type": "rekomendasi-pbi-daerah", "complaint_id": None,
                "receipt_number": "RK-1605-26-000009"}
    states = [
        ("Requested", {"originator_topic": "slrt_letters.domain:Letter", "nik": NIK, "citizen_name": "Siti Aminah",
                       "purpose": "Pengajuan KIS PBID", "requested_by": PENGELOLA, **identity}),
        ("Initialled", {"step": "kasi", "by": KASI, **identity}),
        ("Initialled", {"step": "kabid", "by": KABID, **identity}),
    ]
    app.recorder.insert_events([
        StoredEvent(originator_id=letter_id, originator_version=version, topic=f"slrt_letters.domain:Letter.{name}",
                    state=app.mapper.transcoder.encode({"originator_id": letter_id, "originator_version": version,
                                                        "timestamp": at + dt.timedelta(minutes=version), **state}))
        for version, (name, state) in enumerate(states, start=1)
    ])
    return letter_id


def test_a_v1_letter_loads_publishes_and_is_finished(app: LettersApplication) -> None:
    letter_id = v1_letter(app)
    letter = app.get_letter(letter_id)
    assert (letter["letter_type"], letter["region"], letter["citizen_name"]) == ("rec-kis-pbid-enrolment", "1605", "Siti Aminah")
    assert [p["step"] for p in letter["paraf"]] == ["kasi", "kabid"]
    assert letter["applicant"]["birth_date"] == "1990-01-01"  # from the NIK
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 10)]
    published = [to_contract(e) for e in events]
    assert [type(c).__name__ for c in published] == ["LetterRequested", "LetterInitialled", "LetterInitialled"]
    assert {c.region for c in published} == {"1605"}
    # Finished under today's rules: documents, verification and draft, then the Sekdin's paraf.
    app.check_documents(letter_id, PENGELOLA, {"sktm": True, "kk": True, "ktp": True})
    app.draft(letter_id, PENGELOLA)
    assert app.initial(letter_id, SEKDIN)["next_step"] == "sign"
    assert app.sign(letter_id, KADIN)["status"] == "issued"
