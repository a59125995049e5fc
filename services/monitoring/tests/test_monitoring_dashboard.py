"""The four dashboard parts from a known event history, on SQLite and PostgreSQL; exactly once;
the same read models whatever order the events come in."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from slrt_monitoring.adapters.synthetic import History, event
from slrt_monitoring.application.dashboard import dashboard
from slrt_monitoring.domain.periods import Period
from slrt_monitoring.application.readmodel import ReadModels
from slrt_runtime.consumers import Delivery
from slrt_runtime.errors import DomainError
from slrt_runtime.settings import ServiceSettings

ALL = Period.parse(None)


@pytest.fixture
def models(settings: ServiceSettings) -> Iterator[ReadModels]:
    m = ReadModels(settings)
    yield m
    m.close()


def test_part_1_proposals_to_update_and_add_beneficiary_data(models: ReadModels, history: History) -> None:
    models.projector.apply_batch(history.deliveries)
    p = dashboard(models.store, "1605", ALL)["proposals"]
    assert p["dtks_checks"] == {"found": 7, "not_found": 1, "no_nik": 1}
    assert p["prelist_by_status"] == {"verified": 1, "rejected": 1}
    assert p["prelist"] == [["complaint", "verified", 1], ["puskesos", "rejected", 1]]


def test_part_2_access_to_central_and_regional_programmes(models: ReadModels, history: History) -> None:
    models.projector.apply_batch(history.deliveries)
    a = dashboard(models.store, "1605", ALL)["access"]
    assert a["households"] == 7
    assert a["by_programme"] == {"PKH": 2, "PBI-JK": 2, "PBI-Daerah": 1, "BPNT": 1, "KIP": 1}
    assert a["by_scope"] == {"central": 5, "regional": 1}
    assert a["referrals"] == [["dinkes", "PBI-Daerah", "outcome_reported", 1], ["dinkes", "PBI-Daerah", "sent", 1],
                              ["dinsos", "PKH", "rejected", 1]]
    assert a["referral_outcomes"] == [["dinkes", "PBI-Daerah", "provided", 1]]
    assert a["referred_into_programme"] == {"PBI-Daerah": 1}


def test_part_3_complementarity_and_overlap(models: ReadModels, history: History) -> None:
    models.projector.apply_batch(history.deliveries)
    m = dashboard(models.store, "1605", ALL)["complementarity"]
    assert m["households_by_programme_count"] == {"0": 2, "1": 3, "2": 2}
    assert m["programme_pairs"] == {"PBI-JK+PKH": 1, "PBI-Daerah+PBI-JK": 1}
    assert m["pbi_double"] == 1  # H2 in PBI-JK and PBI-Daerah: paid twice


def test_part_4_gaps(models: ReadModels, history: History) -> None:
    models.projector.apply_batch(history.deliveries)
    d = dashboard(models.store, "1605", ALL)
    assert d["gaps"] == {"low_rank_no_programme": 1, "unanswered_past_deadline": 1, "not_in_registry": 1, "no_nik": 1}
    # Compliance, queues and letters from the same history
    assert d["compliance"]["overdue"] == [["intake", "handling_back_office", "back_office", 1],
                                          ["referral", "agency_answer", "dinkes", 1]]
    assert d["complaints"]["total"] == 9 and d["complaints"]["closed"] == 1
    assert d["queues"]["wip_by_level"] == {"front_office": 6, "puskesos": 1, "back_office": 1}
    # work in progress by region: sub-district, complaints, in progress, resolved, overdue
    assert d["queues"]["by_area"] == [["160501", 7, 6, 1, 1], ["160502", 2, 2, 0, 0]]
    assert d["letters"]["issued"] == [["sktm", "1605", 1]]


def test_region_and_period_filters(models: ReadModels, history: History) -> None:
    models.projector.apply_batch(history.deliveries)
    village_b = dashboard(models.store, "160502", ALL)
    assert village_b["complaints"]["total"] == 2 and village_b["access"]["households"] == 2
    assert dashboard(models.store, "1605", Period.parse("2026-Q4"))["complaints"]["total"] == 9
    assert dashboard(models.store, "1605", Period.parse("2026-S1"))["complaints"]["total"] == 0
    with pytest.raises(DomainError):
        Period.parse("2026-Q5")


def test_a_redelivered_event_changes_nothing(models: ReadModels, history: History) -> None:
    assert models.projector.apply_batch(history.deliveries) == len(history.deliveries)
    before = models.store.dump()
    assert not models.apply(history.deliveries[5])
    assert models.projector.apply_batch(history.deliveries + history.deliveries[:3]) == 0
    assert models.store.dump() == before


def test_any_order_and_batching_gives_the_same_read_models(settings: ServiceSettings, history: History) -> None:
    """Live consumers interleave streams; a rebuild reads them one after another in big batches."""
    one_by_one = ReadModels(settings)
    for d in history.deliveries:
        one_by_one.apply(d)
    expected = one_by_one.store.dump()
    one_by_one.store.drop()
    shuffled = list(history.deliveries)
    random.Random(6).shuffle(shuffled)
    other = ReadModels(settings)
    for i in range(0, len(shuffled), 7):
        other.projector.apply_batch(shuffled[i:i + 7])
    assert other.store.dump() == expected
    other.close()


def test_events_without_a_view_are_tracked_and_change_nothing_else(models: ReadModels) -> None:
    consent = event("DisclosureConsentRecorded")
    models.apply(Delivery("intake", 1, event("RegistryVersionActivated")))
    before = models.store.dump()
    assert models.apply(Delivery("intake", 2, event("CitizenNotified", notice="Sdr. Siti, rujukan Anda disetujui")))
    assert models.apply(Delivery("intake", 3, consent))
    after = models.store.dump()
    assert after["counts"] == before["counts"]
    assert "Siti" not in repr(after)


def test_every_contract_event_is_projected_or_tolerated(models: ReadModels) -> None:
    """Producers keep adding events: each one of the contracts applies cleanly, exactly once."""
    from slrt_contracts.events import example_events

    deliveries = [Delivery(e.producer, n, e) for n, e in enumerate(example_events().values(), start=1)]
    assert models.projector.apply_batch(deliveries) == len(deliveries)
    assert models.projector.apply_batch(deliveries) == 0
    dump = repr(models.store.dump())
    free_text = [v for e in example_events().values() for k, v in e.__dict__.items()
                 if k in ("reason", "note", "notice", "address", "name") and isinstance(v, str) and " " in v]
    assert free_text, "the examples carry free text to check against"
    for text in free_text:  # free text (reasons, notes, notices) never reaches a read model
        assert text not in dump
