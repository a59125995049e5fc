"""The synthetic registry generator: valid, self-consistent, reproducible."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from pathlib import Path

import pytest
from slrt_contracts import nik_parts, validate_nik
from slrt_dtks.adapters.registry import COLUMNS, PROGRAMMES
from slrt_dtks.adapters.synthetic import generate, main, write_csv
from slrt_reference.regions import Level, regions


@pytest.fixture(scope="module")
def people() -> list[dict[str, str]]:
    return list(generate("1605", 2000, seed=7))


def test_exact_count_and_columns(people: list[dict[str, str]]) -> None:
    assert len(people) == 2000
    assert all(tuple(p) == COLUMNS for p in people)
    assert len({p["registry_id"] for p in people}) == 2000
    assert all(p["registry_id"].startswith("SYN-") for p in people)


def test_every_nik_is_valid_unique_and_describes_its_person(people: list[dict[str, str]]) -> None:
    assert len({p["nik"] for p in people}) == len(people)
    for p in people:
        assert validate_nik(p["nik"]) == p["nik"]
        parts = nik_parts(p["nik"])
        born = dt.date.fromisoformat(p["birth_date"])
        assert parts.sex == p["sex"]
        assert p["nik"][6:12] == f"{born.day + (40 if p['sex'] == 'F' else 0):02d}{born:%m%y}"
        assert p["nik"][:4] == "1605"
        assert p["village_code"].startswith(p["nik"][:6])
        # Every village is a real one of the region reference data (the services refuse any other).
        assert regions().is_known(p["village_code"], Level.VILLAGE)
    villages = {p["village_code"] for p in people}
    assert len({v[:6] for v in villages}) == 10 and len(villages) > 80  # spread over the district


def test_women_have_day_plus_40(people: list[dict[str, str]]) -> None:
    women = [p for p in people if p["sex"] == "F"]
    men = [p for p in people if p["sex"] == "M"]
    assert women and men
    assert all(41 <= int(p["nik"][6:8]) <= 71 for p in women)
    assert all(1 <= int(p["nik"][6:8]) <= 31 for p in men)


def test_households_share_family_card_and_place(people: list[dict[str, str]]) -> None:
    households: dict[str, list[dict[str, str]]] = defaultdict(list)
    for p in people:
        households[p["household_id"]].append(p)
    assert all(1 <= len(members) <= 6 for members in households.values())
    assert any(len(members) >= 4 for members in households.values())
    cards = set()
    for members in households.values():
        assert len({m["family_card"] for m in members}) == 1
        assert len({m["village_code"] for m in members}) == 1
        assert len({m["welfare_decile"] for m in members}) == 1
        card = members[0]["family_card"]
        assert len(card) == 16 and card.isdigit() and card.startswith("1605")
        cards.add(card)
    assert len(cards) == len(households), "a family card belongs to one household"


def test_programmes_and_deciles_are_plausible(people: list[dict[str, str]]) -> None:
    counts: dict[str, int] = defaultdict(int)
    for p in people:
        codes = [c for c in p["programmes"].split(",") if c]
        assert set(codes) <= set(PROGRAMMES)
        assert not {"PBI-JK", "PBI-Daerah"} <= set(codes), "no double health-premium registration"
        for c in codes:
            counts[c] += 1
        assert 1 <= int(p["welfare_decile"]) <= 10
    assert set(counts) == set(PROGRAMMES)
    assert counts["PBI-JK"] > counts["KIP"] > 0
    assert sum(1 for p in people if int(p["welfare_decile"]) <= 4) > len(people) / 2


def test_same_seed_same_data_other_seed_other_data() -> None:
    assert list(generate("1605", 50, seed=7)) == list(generate("1605", 50, seed=7))
    assert list(generate("1605", 51, seed=7))[:50] == list(generate("1605", 50, seed=7))
    assert list(generate("1605", 50, seed=7)) != list(generate("1605", 50, seed=8))


def test_other_district_and_unknown_district() -> None:
    rows = list(generate("1671", 20, seed=1))
    assert all(r["nik"].startswith("1671") for r in rows)
    with pytest.raises(ValueError, match="district 9999"):
        list(generate("9999", 5))


def test_csv_round_trip() -> None:
    buffer = io.StringIO()
    assert write_csv(generate("1605", 30, seed=3), buffer) == 30
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert tuple(rows[0]) == COLUMNS
    assert rows == list(generate("1605", 30, seed=3))


def test_cli_writes_the_extract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "var" / "dtks-extract.csv"
    assert main(["--district", "1605", "--people", "25", "--seed", "7", "--out", str(out)]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 26
    assert "25 synthetic people" in capsys.readouterr().err
    assert main(["--district", "9999", "--people", "5", "--out", str(tmp_path / "bad.csv")]) == 2
    assert not (tmp_path / "bad.csv").exists()
