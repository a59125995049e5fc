"""A store written before the relayout of issue 14 reads as before: its events name their classes by the
old module paths (``slrt_dtks.prelist:Proposal.Proposed``), and they still load and count."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from slrt_contracts import Actor, Region, Role
from slrt_dtks.application import DTKSApplication
from slrt_dtks.domain.prelist import Status
from slrt_runtime.settings import ServiceSettings

NEWCOMER = {"nik": "1605035203880007", "name": "Wati Anggraini", "sex": "F", "birth_date": "1988-03-12",
            "address": "Jl. Kebun Karet No. 4, RT 002/RW 001", "household_members": 3}
REGION = Region(district="1605", subdistrict="160503", village="1605032007")
FRONT_OFFICE = Actor(id="front-office-1", role=Role.FRONT_OFFICE, region="1605")


def test_proposals_stored_under_the_old_module_path_load_and_keep_their_status(tmp_path: Path) -> None:
    settings = ServiceSettings(persistence="sqlite", district="1605", data_dir=tmp_path / "data")
    app = DTKSApplication(settings)
    pid = app.propose(FRONT_OFFICE, REGION, NEWCOMER)
    app.registry.close()
    app.close()

    # What the service wrote before the module moved from slrt_dtks.prelist to slrt_dtks.domain.prelist.
    with sqlite3.connect(settings.sqlite_path("dtks")) as db:
        moved = db.execute("UPDATE stored_events SET topic = replace(topic, 'slrt_dtks.domain.prelist:', "
                           "'slrt_dtks.prelist:') WHERE topic LIKE 'slrt_dtks.domain.prelist:%'").rowcount
    assert moved > 0

    app = DTKSApplication(settings)
    try:
        assert [p.id for p in app.proposals(FRONT_OFFICE)] == [pid]
        assert [p.id for p in app.proposals(FRONT_OFFICE, Status.PROPOSED)] == [pid]
        assert app.get_proposal(FRONT_OFFICE, pid).status == Status.PROPOSED
    finally:
        app.registry.close()
        app.close()
