"""The official region codes and names, as the platform reads them."""

from __future__ import annotations

from slrt_reference.regions import VERSION, Level, regions


def test_every_level_of_musi_rawas_has_its_official_name() -> None:
    r = regions()
    assert VERSION.startswith("idn-area-data@")
    assert r.name("16") == "Sumatera Selatan"
    assert r.name("1605") == "Kabupaten Musi Rawas"
    assert r.name("160501") == "Tugumulyo"
    assert r.name("1605012007") == "Wonokerto"
    assert r.get("1605012007").level is Level.VILLAGE and r.get("1605012007").parent == "160501"
    assert r.describe("1605012007") == "Wonokerto, Tugumulyo, Kabupaten Musi Rawas"


def test_an_unknown_village_is_unknown() -> None:
    r = regions()
    assert not r.is_known("1605999999")
    assert r.is_known("1605012007", Level.VILLAGE) and not r.is_known("160501", Level.VILLAGE)
    assert r.describe("1605999999") == "1605999999"


def test_the_whole_country_is_there() -> None:
    r = regions()
    counts = {level: sum(1 for a in r.areas.values() if a.level is level) for level in Level}
    assert counts[Level.PROVINCE] >= 38 and counts[Level.DISTRICT] >= 514
    assert counts[Level.SUBDISTRICT] >= 7000 and counts[Level.VILLAGE] >= 83000


def test_villages_are_found_by_part_of_their_name_inside_an_area() -> None:
    found = regions().search("wono", within="160501")
    assert [a.name for a in found][:2] == ["Wonokerto", "Wonorejo"]
    assert all(a.code.startswith("160501") and a.level is Level.VILLAGE for a in found)


def test_children_one_level_below_by_code() -> None:
    r = regions()
    subdistricts = r.children("1605")
    assert subdistricts[0].code == "160501" and all(a.level is Level.SUBDISTRICT for a in subdistricts)
    assert [a.code for a in subdistricts] == sorted(a.code for a in subdistricts)
    villages = r.children("160501")
    assert "1605012007" in {a.code for a in villages} and all(a.parent == "160501" for a in villages)
    assert r.children("1605012007") == [] and r.children("9999") == []


def test_label_names_then_code_or_the_bare_code() -> None:
    assert regions().label("1605012007") == "Wonokerto, Tugumulyo, Kabupaten Musi Rawas (1605012007)"
    assert regions().label("1605999999") == "1605999999"
