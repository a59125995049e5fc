"""Letter numbers: taken at signing, gap-free and unique per office and year, also under races,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from uuid import UUID

import pytest
from slrt_letters.adapters.dtks import FakeDtks
from slrt_letters.adapters.signing import LetterSigner
from slrt_letters.application import LettersApplication
from slrt_letters.settings import LettersSettings
from slrt_letters.testing import KADIN, PENGELOLA, person, ready_to_sign
from slrt_runtime.errors import InvalidTransition
from slrt_runtime.settings import ServiceSettings

YEAR = dt.datetime.now(dt.timezone.utc).year


def serial(letter_number: str) -> int:
    classification, sequence, unit, year = letter_number.split("/")
    assert (classification, unit, year) == ("427.42", "Dinsos", str(YEAR))
    return int(sequence)


def sign_all_at_once(app: LettersApplication, letters: list[UUID]) -> list[str]:
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(letters))

    def sign(letter_id: UUID) -> None:
        try:
            start.wait()
            numbers.append(app.sign(letter_id, KADIN)["letter_number"])
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=sign, args=(letter_id,)) for letter_id in letters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    return numbers


def test_numbers_follow_each_other_across_letter_types_in_the_office_format(sqlite_app: LettersApplication) -> None:
    first = sqlite_app.sign(ready_to_sign(sqlite_app, "sktm"), KADIN)
    second = sqlite_app.sign(ready_to_sign(sqlite_app, "rec-neglected-ppks"), KADIN)
    assert first["letter_number"] == f"427.42/0001/Dinsos/{YEAR}"
    assert second["letter_number"] == f"427.42/0002/Dinsos/{YEAR}"


def test_the_format_and_unit_come_from_settings(tmp_path: Path, signer: LetterSigner, dtks: FakeDtks) -> None:
    settings = LettersSettings(persistence="memory", data_dir=tmp_path, letters_number_unit="Linjamsos",
                               letters_number_format="460/{seq:03d}/{unit}-{district}/{year}")
    app = LettersApplication(settings, dtks=dtks, signer=signer)
    assert app.sign(ready_to_sign(app), KADIN)["letter_number"] == f"460/001/Linjamsos-1605/{YEAR}"
    with pytest.raises(ValueError, match="must contain"):
        LettersSettings(letters_number_format="427.42/{unit}/{year}")


def test_a_refused_signature_takes_no_number(sqlite_app: LettersApplication) -> None:
    early, _ = sqlite_app.request_letter(actor=PENGELOLA, letter_type="sktm", fields=person())
    with pytest.raises(InvalidTransition, match="not drafted"):
        sqlite_app.sign(early, KADIN)
    signed = sqlite_app.sign(ready_to_sign(sqlite_app), KADIN)
    with pytest.raises(InvalidTransition, match="already signed"):
        sqlite_app.sign(signed["letter_id"], KADIN)
    assert serial(signed["letter_number"]) == 1
    assert serial(sqlite_app.sign(ready_to_sign(sqlite_app), KADIN)["letter_number"]) == 2


def test_kadin_signing_at_once_get_numbers_without_gaps_on_sqlite(sqlite_app: LettersApplication) -> None:
    letters = [ready_to_sign(sqlite_app) for _ in range(12)]
    numbers = sign_all_at_once(sqlite_app, letters)
    assert sorted(serial(n) for n in numbers) == list(range(1, 13))
    stored = {sqlite_app.get_letter(letter_id)["letter_number"] for letter_id in letters}
    assert stored == set(numbers)
    assert all(sqlite_app.get_letter(letter_id)["status"] == "issued" for letter_id in letters)


@pytest.mark.postgres
def test_kadin_signing_at_once_get_numbers_without_gaps_on_postgres(
        postgres_settings: ServiceSettings, signer: LetterSigner, dtks: FakeDtks) -> None:
    app = LettersApplication(postgres_settings, dtks=dtks, signer=signer)
    replica = LettersApplication(postgres_settings, dtks=dtks, signer=signer)  # a second replica, one database
    letters = [ready_to_sign(app) for _ in range(10)]
    numbers = sign_all_at_once(app, letters[:5]) + sign_all_at_once(replica, letters[5:])
    assert sorted(serial(n) for n in numbers) == list(range(1, 11))
    assert serial(replica.sign(ready_to_sign(replica), KADIN)["letter_number"]) == 11


def test_two_replicas_sharing_the_store_share_the_register(tmp_path: Path, signer: LetterSigner, dtks: FakeDtks) -> None:
    settings = LettersSettings(persistence="sqlite", data_dir=tmp_path)
    one = LettersApplication(settings, dtks=dtks, signer=signer)
    two = LettersApplication(settings, dtks=dtks, signer=signer)
    a, b = ready_to_sign(one), ready_to_sign(two)
    assert serial(one.sign(a, KADIN)["letter_number"]) == 1
    assert serial(two.sign(b, KADIN)["letter_number"]) == 2


def test_a_racing_second_signature_of_the_same_letter_is_refused(sqlite_app: LettersApplication) -> None:
    letter_id = ready_to_sign(sqlite_app)
    results: list[object] = []
    start = threading.Barrier(4)

    def sign() -> None:
        start.wait()
        try:
            results.append(sqlite_app.sign(letter_id, KADIN)["letter_number"])
        except InvalidTransition as e:
            results.append(e)

    threads = [threading.Thread(target=sign) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert [r for r in results if isinstance(r, str)] == [f"427.42/0001/Dinsos/{YEAR}"]
    assert len(results) == 4
    assert serial(sqlite_app.sign(ready_to_sign(sqlite_app), KADIN)["letter_number"]) == 2
