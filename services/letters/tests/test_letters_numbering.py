"""Letter numbers: taken at signing, gap-free and unique per office and year, also under races."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from uuid import UUID

import pytest
from slrt_contracts import Actor, Role
from slrt_letters.application import LettersApplication
from slrt_runtime.errors import InvalidTransition
from slrt_runtime.settings import ServiceSettings

NIK = "1605014101900003"
YEAR = dt.datetime.now(dt.timezone.utc).year


def staff(role: Role) -> Actor:
    return Actor(id=f"{role.value}-1605-01", role=role, region="1605")


PENGELOLA, KASI, KABID, SEKDIN, KADIN = (staff(r) for r in (Role.PENGELOLA, Role.KASI, Role.KABID,
                                                            Role.SEKDIN, Role.KADIN))


def initialled_letter(app: LettersApplication, letter_type: str = "sktm") -> UUID:
    letter_id = app.request_letter(actor=PENGELOLA, letter_type=letter_type, nik=NIK,
                                   citizen_name="Siti Aminah", purpose="Berobat")
    for official in (KASI, KABID, SEKDIN):
        app.initial(letter_id, official)
    return letter_id


def serial(letter_number: str) -> int:
    classification, sequence, office, year = letter_number.split("/")
    assert (classification, office, year) == ("460", "SLRT-1605", str(YEAR))
    return int(sequence)


@pytest.fixture
def sqlite_app(tmp_path: Path) -> LettersApplication:
    return LettersApplication(ServiceSettings(persistence="sqlite", data_dir=tmp_path, district="1605"))


def test_numbers_follow_each_other_across_letter_types(sqlite_app: LettersApplication) -> None:
    first = sqlite_app.sign(initialled_letter(sqlite_app, "sktm"), KADIN)
    second = sqlite_app.sign(initialled_letter(sqlite_app, "rekomendasi-pbi-daerah"), KADIN)
    assert first["letter_number"] == f"460/0001/SLRT-1605/{YEAR}"
    assert second["letter_number"] == f"460/0002/SLRT-1605/{YEAR}"


def test_a_refused_signature_takes_no_number(sqlite_app: LettersApplication) -> None:
    early = sqlite_app.request_letter(actor=PENGELOLA, letter_type="sktm", nik=NIK,
                                      citizen_name="Budi", purpose="Sekolah")
    with pytest.raises(InvalidTransition, match="needs paraf"):
        sqlite_app.sign(early, KADIN)
    signed = sqlite_app.sign(initialled_letter(sqlite_app), KADIN)
    with pytest.raises(InvalidTransition, match="already signed"):
        sqlite_app.sign(signed["letter_id"], KADIN)
    assert serial(signed["letter_number"]) == 1
    assert serial(sqlite_app.sign(initialled_letter(sqlite_app), KADIN)["letter_number"]) == 2


def test_twenty_kadin_signing_at_once_get_numbers_one_to_twenty(sqlite_app: LettersApplication) -> None:
    letters = [initialled_letter(sqlite_app) for _ in range(20)]
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(letters))

    def sign(letter_id: UUID) -> None:
        try:
            start.wait()
            numbers.append(sqlite_app.sign(letter_id, KADIN)["letter_number"])
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=sign, args=(letter_id,)) for letter_id in letters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert sorted(serial(n) for n in numbers) == list(range(1, 21))
    # And what is stored agrees: every letter has its own number.
    stored = {sqlite_app.get_letter(letter_id)["letter_number"] for letter_id in letters}
    assert stored == set(numbers)


def test_two_replicas_sharing_the_store_share_the_register(tmp_path: Path) -> None:
    """Two replicas of the service (two applications on one database) never reuse a number."""
    settings = ServiceSettings(persistence="sqlite", data_dir=tmp_path, district="1605")
    one, two = LettersApplication(settings), LettersApplication(settings)
    a, b = initialled_letter(one), initialled_letter(two)
    assert serial(one.sign(a, KADIN)["letter_number"]) == 1
    assert serial(two.sign(b, KADIN)["letter_number"]) == 2


def test_a_racing_second_signature_of_the_same_letter_is_refused(sqlite_app: LettersApplication) -> None:
    letter_id = initialled_letter(sqlite_app)
    results: list[object] = []
    start = threading.Barrier(5)

    def sign() -> None:
        start.wait()
        try:
            results.append(sqlite_app.sign(letter_id, KADIN)["letter_number"])
        except InvalidTransition as e:
            results.append(e)

    threads = [threading.Thread(target=sign) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    signed = [r for r in results if isinstance(r, str)]
    assert signed == [f"460/0001/SLRT-1605/{YEAR}"]
    assert len(results) == 5
    # The refused ones left no hole: the next letter is number 2.
    assert serial(sqlite_app.sign(initialled_letter(sqlite_app), KADIN)["letter_number"]) == 2
