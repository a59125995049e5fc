"""Production signs only with the office certificate: without one (and without the development token
issuer) the service refuses to start instead of sealing letters with a certificate nobody trusts.
The settings are the environment variables the Kubernetes manifests set (deploy/k8s/base/letters.yaml)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from slrt_letters.adapters.signing import LetterSigner, SigningNotConfigured, ensure_dev_identity
from slrt_letters.main import build
from slrt_letters.settings import LettersSettings
from slrt_runtime.pdf import OfficeProfile, PdfDocument


def test_without_a_certificate_production_refuses_to_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLRT_AUTH_DEV_ISSUER", "false")
    monkeypatch.setenv("SLRT_DATA_DIR", str(tmp_path))
    # Everything else of production is there (the identity provider, letters' client for dtks).
    monkeypatch.setenv("SLRT_AUTH_ISSUER", "https://login.example.go.id/realms/slrt-1605")
    monkeypatch.setenv("SLRT_AUTH_CLIENT_ID", "slrt-letters")
    monkeypatch.setenv("SLRT_AUTH_CLIENT_SECRET", secrets.token_urlsafe(32))
    with pytest.raises(SigningNotConfigured, match="SLRT_LETTERS_SIGNING_PKCS12"):
        LetterSigner(LettersSettings())
    with pytest.raises(SigningNotConfigured):
        build(LettersSettings(persistence="memory"), with_messaging=False, with_deadlines=False)
    assert not list(tmp_path.rglob("*.pem")), "no development key may be generated in production"


def test_production_signs_with_the_pkcs12_from_the_mounted_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What the Secret slrt-letters-signing becomes in the pod: files in a read-only directory.
    key_path, cert_path, ca_path = ensure_dev_identity(tmp_path / "district-ca", LettersSettings(data_dir=tmp_path))
    mounted = tmp_path / "signing"
    mounted.mkdir()
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    (mounted / "office.p12").write_bytes(pkcs12.serialize_key_and_certificates(
        b"kadin", key, cert, None, serialization.BestAvailableEncryption(b"kata-sandi")))  # type: ignore[arg-type]
    (mounted / "chain.pem").write_bytes(ca_path.read_bytes())
    for name, value in (("SLRT_AUTH_DEV_ISSUER", "false"), ("SLRT_DATA_DIR", str(tmp_path / "data")),
                        ("SLRT_LETTERS_SIGNING_PKCS12", str(mounted / "office.p12")),
                        ("SLRT_LETTERS_SIGNING_CHAIN", str(mounted / "chain.pem")),
                        ("SLRT_LETTERS_SIGNING_PASSPHRASE", "kata-sandi")):
        monkeypatch.setenv(name, value)
    signer = LetterSigner(LettersSettings())
    assert not signer.development
    pdf = signer.sign(_pdf(), reason="uji", location="Muara Beliti", letter_ref="slrt-letter:x")
    assert signer.verify(pdf).ok
    monkeypatch.setenv("SLRT_LETTERS_SIGNING_PASSPHRASE", "salah")
    with pytest.raises(SigningNotConfigured, match="passphrase"):
        LetterSigner(LettersSettings())


def _pdf() -> bytes:
    return PdfDocument("Uji", OfficeProfile("Dinas Sosial", "SLRT", "Jl. Uji", "Kota")).paragraph("isi").render()
