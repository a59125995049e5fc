"""Finding people when the name is spelled otherwise, the NIK is mistyped, or PBI is paid twice."""

from __future__ import annotations

import datetime as dt

import pytest
from slrt_contracts import Actor, Role
from slrt_dtks.application import DTKSApplication
from slrt_dtks.adapters.registry import RegistryStore
from slrt_dtks.domain.matching import name_key, normalise_name
from slrt_dtks.adapters.synthetic import generate
from slrt_runtime.errors import NotPermitted
from slrt_runtime.settings import ServiceSettings

ROWS = list(generate("1605", 2000, seed=21))
# Names the generator does not make, on people it did make (NIK, birth date and household stay valid).
SPECIAL = {100: "Muhammad Rizki Saputra", 200: "Nurhayati", 300: "Siti Aminah", 400: "Sukarno Hadi",
           500: "Abdul Rahman Lubis"}
for index, name in SPECIAL.items():
    ROWS[index]["name"] = name
ROWS[600]["programmes"] = "PBI-JK,PBI-Daerah"  # a double registration the letters service must refuse
DISTRICT = Actor(id="fo-1", role=Role.FRONT_OFFICE, region="1605")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> RegistryStore:
    import csv

    from slrt_dtks.adapters.registry import COLUMNS

    path = tmp_path_factory.mktemp("matching") / "extract.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(ROWS)
    store = RegistryStore(None)
    store.load_csv(path)
    return store


@pytest.fixture
def app(registry: RegistryStore) -> DTKSApplication:
    return DTKSApplication(ServiceSettings(persistence="memory"), registry=registry)


@pytest.mark.parametrize(("index", "typed"), [
    (100, "M. Rizky Saputra"),
    (100, "Muh Riski Saputra"),
    (100, "Bpk. Moh. Rizki Saputra, S.Pd"),
    (200, "Nur Hayati"),
    (200, "Nurhayaty"),
    (300, "Hj. Siti Aminah"),
    (300, "St. Aminah"),
    (400, "Soekarno Hadi"),
    (500, "Abd. Rahman Lubis"),
    (500, "Lubis Abdul Rahman"),
    (7, None),  # the generator's own name with one letter changed
])
def test_a_misspelled_name_finds_the_right_person_in_the_top_3(registry: RegistryStore, index: int,
                                                                typed: str | None) -> None:
    person = ROWS[index]
    if typed is None:
        typed = person["name"][:3] + ("o" if person["name"][3] != "o" else "a") + person["name"][4:]
    born = dt.date.fromisoformat(person["birth_date"])
    found = registry.fuzzy(typed, born, region=person["village_code"], scope="1605", limit=3)
    assert person["registry_id"] in [c.person.registry_id for c in found], [c.person.name for c in found]
    assert found[0].score.total >= 80


def test_a_mistyped_birth_date_still_finds_the_person_by_name(registry: RegistryStore) -> None:
    person = ROWS[100]
    born = dt.date.fromisoformat(person["birth_date"])
    typo = born.replace(day=born.day % 28 + 1)  # another day, same year
    found = registry.fuzzy("Muhammad Rizky Saputra", typo, scope="1605", limit=3)
    assert found[0].person.registry_id == person["registry_id"]
    assert found[0].score.birth_date < 100


def test_scores_rank_and_scope_limits(registry: RegistryStore) -> None:
    person = ROWS[300]
    born = dt.date.fromisoformat(person["birth_date"])
    found = registry.fuzzy("Siti Aminah", born, scope="1605", limit=10)
    assert [c.score.total for c in found] == sorted((c.score.total for c in found), reverse=True)
    assert found[0].score.name == 100 and found[0].score.birth_date == 100
    other_village = next(r["village_code"] for r in ROWS if r["village_code"][:6] != person["village_code"][:6])
    assert all(c.person.village_code.startswith(other_village[:6])
               for c in registry.fuzzy("Siti Aminah", born, scope=other_village[:6]))


def test_name_normalisation() -> None:
    assert normalise_name("Bpk. H. Moch. Rizki, S.E.") == "muhammad rizki"
    assert normalise_name("Djoko  Soesilo") == "joko susilo"
    assert name_key(normalise_name("Nur Hayati")) == name_key(normalise_name("Nurhayati"))
    assert name_key(normalise_name("M. Rizky")) == name_key(normalise_name("Muhammad Rizki"))


def test_a_mistyped_nik_is_reported_as_inconsistent(app: DTKSApplication) -> None:
    person = ROWS[100]
    born = dt.date.fromisoformat(person["birth_date"])
    nik = person["nik"]
    # The clerk typed the month and day digits the wrong way round: still a valid NIK format.
    typo = nik[:6] + nik[8:10] + nik[6:8] + nik[10:]
    if int(typo[6:8]) not in range(1, 32) and int(typo[6:8]) not in range(41, 72):
        typo = nik[:10] + f"{(int(nik[10:12]) + 1) % 100:02d}" + nik[12:]  # the year digit instead
    result = app.check_nik(DISTRICT, typo, birth_date=born, sex=person["sex"])
    assert result["found"] is False
    assert result["nik_consistency"]["consistent"] is False
    assert "NIK digits 7-12 do not match the birth date" in result["nik_consistency"]["problems"]
    # The right NIK with the right data is consistent.
    right = app.check_nik(DISTRICT, nik, birth_date=born, sex=person["sex"])
    assert right["found"] and right["nik_consistency"] == {"consistent": True, "problems": []}
    # The right NIK but another birth date given by the citizen: reported too.
    other = app.check_nik(DISTRICT, nik, birth_date=born + dt.timedelta(days=3))
    assert "the birth date given differs from the registry record" in other["nik_consistency"]["problems"]


def test_a_pbi_double_registration_is_caught(app: DTKSApplication) -> None:
    double = ROWS[600]
    result = app.programme_check(DISTRICT, double["nik"])
    assert result["found"] and result["pbi"] == {"pusat": True, "daerah": True}
    assert result["programmes"] == ["PBI-JK", "PBI-Daerah"]
    members = app.household(DISTRICT, household_id=double["household_id"])
    assert sum(1 for m in members if m.pbi["pusat"] and m.pbi["daerah"]) == 1
    single = next(r for r in ROWS if "PBI-JK" in r["programmes"] and r is not double)
    assert app.programme_check(DISTRICT, single["nik"])["pbi"] == {"pusat": True, "daerah": False}
    absent = app.programme_check(DISTRICT, "1605034407990001")
    assert absent["found"] is False and absent["programmes"] == [] and absent["registry_id"] is None


def test_household_by_family_card_and_region_scope(app: DTKSApplication) -> None:
    person = ROWS[10]
    members = app.household(DISTRICT, family_card=person["family_card"])
    assert {m.registry_id for m in members} == {r["registry_id"] for r in ROWS
                                               if r["household_id"] == person["household_id"]}
    elsewhere = next(r["village_code"] for r in ROWS if r["village_code"] != person["village_code"])
    with pytest.raises(NotPermitted):
        app.household(Actor(id="p-1", role=Role.PUSKESOS, region=elsewhere), family_card=person["family_card"])
    with pytest.raises(NotPermitted):
        app.programme_check(Actor(id="p-1", role=Role.PUSKESOS, region=elsewhere), person["nik"])


def test_search_by_attributes_is_paged(registry: RegistryStore) -> None:
    page1, total = registry.search(scope="160501", programmes=("PKH",), limit=5)
    page2, again = registry.search(scope="160501", programmes=("PKH",), limit=5, offset=5)
    assert total == again == sum(1 for r in ROWS if r["village_code"].startswith("160501") and "PKH" in r["programmes"])
    assert len(page1) == 5 and not {p.registry_id for p in page1} & {p.registry_id for p in page2}
    assert all("PKH" in p.programmes for p in page1 + page2)


def test_the_fast_nik_check_agrees_with_validate_nik() -> None:
    import random

    from slrt_contracts import InvalidNIK, validate_nik
    from slrt_dtks.adapters.registry.model import check_nik

    rng = random.Random(5)
    for _ in range(20_000):
        nik = "".join(rng.choice("0123456789") for _ in range(16))
        if rng.random() < 0.5:
            nik = "1605" + nik[4:]
        outcomes = []
        for check in (validate_nik, check_nik):
            try:
                outcomes.append(check(nik))
            except InvalidNIK as e:
                outcomes.append(str(e))
        assert outcomes[0] == outcomes[1], nik


def test_double_registrations_are_listed_by_attribute_search(registry: RegistryStore) -> None:
    doubles, total = registry.search(scope="1605", programmes=("PBI-JK", "PBI-Daerah"), limit=50)
    assert total == 1 and [p.registry_id for p in doubles] == [ROWS[600]["registry_id"]]
