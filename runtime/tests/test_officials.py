"""The district's officials file: the built-in synthetic one is complete, a wrong one stops the start
with the file and the field named."""

from __future__ import annotations

from pathlib import Path

import pytest
from slrt_runtime.officials import OfficialsError, load_officials

GOOD = """district: "1605"
officials:
  - {unit: kadin, name: "Drs. Contoh Kadin", nip: "19700101 199503 1 001", position: Kepala Dinas Sosial}
  - {unit: sekdin, name: "Contoh Sekdin", nip: "197203151998032002", position: Sekretaris Dinas Sosial}
  - {unit: kabid, name: "Contoh Kabid", nip: "19750620 200003 1 003", position: Kepala Bidang Linjamsos}
  - {unit: kasi, name: "Contoh Kasi", nip: "19800812 200501 2 004", position: Kepala Seksi JSK}
officers:
  - {id: fo-0001, name: Petugas Contoh}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "officials.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_built_in_officials_name_every_signing_unit() -> None:
    officials = load_officials(None, "1605")
    for unit in ("kadin", "sekdin", "kabid", "kasi"):
        official = officials.of(unit)
        assert official.name and "(" not in official.name and len(official.nip.replace(" ", "")) == 18


def test_a_district_file_is_read_and_the_public_nip_is_masked(tmp_path: Path) -> None:
    officials = load_officials(write(tmp_path, GOOD), "1605")
    assert officials.of("kadin").name == "Drs. Contoh Kadin" and officials.officer_name("fo-0001") == "Petugas Contoh"
    assert officials.officer_name("someone-else") is None
    assert officials.of("kadin").nip_masked == "***************001"  # the birth date stays off public pages


@pytest.mark.parametrize(("text", "named"), [
    (GOOD.replace('"19700101 199503 1 001"', '"1970"'), "officials.0.nip"),
    (GOOD.replace("unit: kasi", "unit: kabid"), "no official for kasi"),
    (GOOD.replace("unit: kasi", "unit: lurah"), "officials.3.unit"),
    (GOOD.replace("position: Kepala Dinas Sosial", "rank: IV/c"), "officials.0"),
    ("district: [", "not valid YAML"),
    (GOOD.replace('"1605"', '"1606"'), "is for district 1606"),
])
def test_a_wrong_file_names_the_file_and_the_field(tmp_path: Path, text: str, named: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(OfficialsError) as refused:
        load_officials(path, "1605")
    assert str(path) in str(refused.value) and named in str(refused.value)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OfficialsError, match="cannot read it"):
        load_officials(tmp_path / "nowhere.yaml", "1605")
