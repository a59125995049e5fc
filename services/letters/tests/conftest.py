"""Fixtures of the letters tests: staff actors, a fake DTKS, applications on memory and SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from slrt_letters.adapters.dtks import FakeDtks
from slrt_letters.adapters.signing import LetterSigner
from slrt_letters.application import LettersApplication
from slrt_letters.settings import LettersSettings
from slrt_letters.testing import NIK, NIK_PBI_PUSAT

@pytest.fixture(scope="session")
def signer(tmp_path_factory: pytest.TempPathFactory) -> LetterSigner:
    """One development identity for the session: key generation is the slow part."""
    return LetterSigner(LettersSettings(data_dir=tmp_path_factory.mktemp("signing")))


@pytest.fixture
def dtks() -> FakeDtks:
    fake = FakeDtks()
    fake.register(NIK, "PKH")
    fake.register(NIK_PBI_PUSAT, "PKH", "PBI-JK")
    return fake


@pytest.fixture
def app(tmp_path: Path, dtks: FakeDtks, signer: LetterSigner) -> LettersApplication:
    return LettersApplication(LettersSettings(persistence="memory", data_dir=tmp_path), dtks=dtks, signer=signer)


@pytest.fixture
def sqlite_app(tmp_path: Path, dtks: FakeDtks, signer: LetterSigner) -> LettersApplication:
    return LettersApplication(LettersSettings(persistence="sqlite", data_dir=tmp_path), dtks=dtks, signer=signer)


