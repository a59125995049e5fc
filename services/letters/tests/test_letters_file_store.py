"""Scans and signed letters on PostgreSQL: every replica reads what another wrote, a new pod (an
empty local disk) still has the archive, files are written once and checked against their hash."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from slrt_contracts import Role
from slrt_letters.adapters.dbfiles import DatabaseFileStore
from slrt_letters.adapters.dtks import FakeDtks
from slrt_letters.adapters.files import FileStore, StoredFileDamaged, StoredFileMissing
from slrt_letters.adapters.signing import LetterSigner
from slrt_letters.application import LettersApplication
from slrt_letters.domain import period_of
from slrt_letters.testing import KADIN, PENGELOLA, person, ready_to_sign, staff
from slrt_runtime.errors import DomainError
from slrt_runtime.ownlog import ServiceDatabase
from slrt_runtime.settings import ServiceSettings

KIS = "rec-kis-pbid-enrolment"  # its checklist: SKTM, family card (kk), KTP
PNG = b"\x89PNG\r\n\x1a\n" + b"scan of a family card" * 50


def pod(settings: ServiceSettings, name: str, tmp_path: Path, dtks: FakeDtks, signer: LetterSigner) -> LettersApplication:
    """One replica: the shared database, a local data directory of its own."""
    return LettersApplication(settings.model_copy(update={"data_dir": tmp_path / name}), dtks=dtks, signer=signer)


@pytest.fixture
def pods(postgres_settings: ServiceSettings, tmp_path: Path, dtks: FakeDtks,
         signer: LetterSigner) -> tuple[LettersApplication, LettersApplication]:
    return pod(postgres_settings, "pod-a", tmp_path, dtks, signer), pod(postgres_settings, "pod-b", tmp_path, dtks, signer)


def test_postgres_persistence_keeps_files_in_the_database_and_sqlite_on_disk(
        pods: tuple[LettersApplication, LettersApplication], sqlite_app: LettersApplication) -> None:
    assert isinstance(pods[0].files, DatabaseFileStore)
    assert isinstance(sqlite_app.files, FileStore)


def test_a_scan_and_the_signed_letter_written_by_one_replica_are_read_by_the_other(
        pods: tuple[LettersApplication, LettersApplication], tmp_path: Path) -> None:
    a, b = pods
    letter_id = ready_to_sign(a)
    scanned, _ = a.request_letter(actor=PENGELOLA, letter_type=KIS, fields=person())
    a.attach_scan(scanned, PENGELOLA, "kk", PNG)
    scan = b.repository.get(scanned).documents["kk"]["scan"]
    assert b.files.get(scan["file"]) == PNG

    letter = b.sign(letter_id, KADIN)  # pod b renders, seals and archives
    pdf = a.letter_pdf(letter_id)  # pod a serves it
    assert pdf.startswith(b"%PDF-") and letter["document_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert a.verify_upload(pdf, letter_id)["authentic"]
    # Nothing went to either pod's disk: a restarted pod (empty disk) serves the same original.
    assert not any((tmp_path / p / "letters" / "files").exists() for p in ("pod-a", "pod-b"))
    restarted = LettersApplication(a.settings.model_copy(update={"data_dir": tmp_path / "pod-a-new"}),
                                   dtks=a.dtks, signer=a.signer)
    assert restarted.letter_pdf(letter_id) == pdf


def test_files_are_written_once_and_checked_against_their_hash(
        pods: tuple[LettersApplication, LettersApplication]) -> None:
    a, b = pods
    letter_id, _ = a.request_letter(actor=PENGELOLA, letter_type="sktm", fields=person())
    first = a.files.put(letter_id, "ktp", PNG)
    assert b.files.put(letter_id, "ktp", PNG) == first  # the same file again: the same reference, no error
    db = ServiceDatabase.of(a)
    with db.transaction() as c:
        c.execute(db.sql(f"SELECT count(*) FROM {db.qualify('letters_files')}"))
        assert c.fetchone()["count"] == 1
        # Someone changes the archived bytes behind the service's back.
        c.execute(db.sql(f"UPDATE {db.qualify('letters_files')} SET content = ? WHERE reference = ?"),
                  (PNG + b"x", first["file"]))
    with pytest.raises(StoredFileDamaged):
        b.files.get(str(first["file"]))
    with db.transaction() as c:  # and the recorded hash too: the name still carries the original's
        c.execute(db.sql(f"UPDATE {db.qualify('letters_files')} SET sha256 = ? WHERE reference = ?"),
                  (hashlib.sha256(PNG + b"x").hexdigest(), first["file"]))
    with pytest.raises(StoredFileDamaged):
        b.files.get(str(first["file"]))
    with pytest.raises(StoredFileDamaged, match="other content"):
        a.files.put(letter_id, "ktp", PNG)  # never overwritten, not even with the right bytes
    with pytest.raises(StoredFileMissing):
        b.files.get(str(first["file"]).replace("ktp", "kk"))


def test_bad_files_and_references_are_refused_before_the_database(
        pods: tuple[LettersApplication, LettersApplication]) -> None:
    a, _ = pods
    kis, _ = a.request_letter(actor=PENGELOLA, letter_type=KIS, fields=person())
    for data in (b"", b"MZ not a scan", PNG * 10_000):
        with pytest.raises(DomainError):
            a.attach_scan(kis, PENGELOLA, "kk", data)
    with pytest.raises(DomainError, match="bad file reference"):
        a.files.get("../../etc/passwd")
    db = ServiceDatabase.of(a)
    with db.transaction() as c:
        c.execute(f"SELECT count(*) FROM {db.qualify('letters_files')}")
        assert c.fetchone()["count"] == 0


def test_a_bpjs_batch_closed_on_one_replica_is_downloaded_from_the_other(
        pods: tuple[LettersApplication, LettersApplication]) -> None:
    a, b = pods
    a.sign(ready_to_sign(a, "kis-pbid-deactivation"), KADIN)
    period = period_of(dt.datetime.now(dt.timezone.utc))
    a.close_batch(period, staff(Role.KASI))
    name, data = b.batch_file(period, "csv")
    assert name.endswith(".csv") and b"deactivation" in data
    _, xlsx = b.batch_file(period, "xlsx")
    assert xlsx.startswith(b"PK")  # a zip: the XLSX
    with pytest.raises(DomainError, match="bad file reference"):
        b.files.get_export("../bpjs/x.csv")


def test_the_embedded_file_store_checks_the_hash_too(sqlite_app: LettersApplication) -> None:
    letter_id, _ = sqlite_app.request_letter(actor=PENGELOLA, letter_type=KIS, fields=person())
    stored = sqlite_app.files.put(letter_id, "kk", PNG)
    assert sqlite_app.files.get(str(stored["file"])) == PNG
    (sqlite_app.files.root / str(stored["file"])).write_bytes(PNG + b"changed")
    with pytest.raises(StoredFileDamaged):
        sqlite_app.files.get(str(stored["file"]))
