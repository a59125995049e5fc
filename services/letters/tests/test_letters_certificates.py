"""The office certificate from settings: a district installs its own (PKCS#12 or key + certificate
PEM); letters then verify against its CA, and a development-signed letter does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography import x509
from slrt_letters.adapters.signing import LetterSigner, SigningNotConfigured, ensure_dev_identity
from slrt_letters.settings import LettersSettings
from slrt_runtime.pdf import OfficeProfile, PdfDocument


def a_pdf() -> bytes:
    return PdfDocument("Uji", OfficeProfile("Dinas Sosial", "SLRT", "Jl. Uji", "Kota")).paragraph("isi").render()


def district_identity(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Stands in for the certificate a district obtains: another CA than the development one."""
    return ensure_dev_identity(tmp_path / "district-ca", LettersSettings(data_dir=tmp_path, district="3508"))


def test_a_pkcs12_office_certificate_signs_and_verifies(tmp_path: Path) -> None:
    key_path, cert_path, ca_path = district_identity(tmp_path)
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    p12 = tmp_path / "office.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"kadin", key, cert, None, serialization.BestAvailableEncryption(b"rahasia")))  # type: ignore[arg-type]
    settings = LettersSettings(data_dir=tmp_path / "data", letters_signing_pkcs12=p12, letters_signing_chain=ca_path,
                               letters_signing_passphrase="rahasia")
    office = LetterSigner(settings)
    assert not office.development
    signed = office.sign(a_pdf(), reason="uji", location="Lumajang", letter_ref="slrt-letter:x")
    assert office.verify(signed).ok
    # A letter sealed with the development certificate is not trusted by the district's roots.
    dev = LetterSigner(LettersSettings(data_dir=tmp_path / "dev"))
    result = office.verify(dev.sign(a_pdf(), reason="uji", location="x", letter_ref="x"))
    assert result.intact and not result.trusted and not result.ok


def test_key_and_certificate_pem_and_half_a_configuration(tmp_path: Path) -> None:
    key_path, cert_path, ca_path = district_identity(tmp_path)
    pem = LetterSigner(LettersSettings(data_dir=tmp_path, letters_signing_key=key_path,
                                       letters_signing_cert=cert_path, letters_signing_chain=ca_path))
    assert pem.verify(pem.sign(a_pdf(), reason="uji", location="x", letter_ref="x")).ok
    with pytest.raises(SigningNotConfigured, match="both"):
        LetterSigner(LettersSettings(data_dir=tmp_path, letters_signing_key=key_path))
