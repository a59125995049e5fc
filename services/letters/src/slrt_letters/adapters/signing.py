"""PAdES signatures of letters with pyhanko, and their verification.

The office's certificate comes from settings (PKCS#12, or key + certificate PEM, with the CA chain).
Without one, a development CA and a signing certificate are generated once with ``cryptography``
under the data directory, so the embedded platform signs out of the box; such letters verify only
against that development CA, which is the point: they are not official. In production
(``SLRT_AUTH_DEV_ISSUER=false``) no development certificate is made: the service refuses to start.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from slrt_runtime.errors import DomainError

from ..settings import LettersSettings

log = logging.getLogger(__name__)

FIELD_NAME = "TandaTanganKadin"


class SigningNotConfigured(DomainError):
    """The office certificate cannot be used; signed letters wait (POST /letters/{id}/issue retries)."""

    status_code = 503


@dataclass(frozen=True)
class VerificationResult:
    signed: bool
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    signer: str | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.valid and self.trusted and self.covers_whole_file


def _name(common_name: str, settings: LettersSettings) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.office_name[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
    ])


def ensure_dev_identity(directory: Path, settings: LettersSettings) -> tuple[Path, Path, Path]:
    """Key, certificate and CA certificate (PEM) of the development signer; made once, kept."""
    key_path, cert_path, ca_path = directory / "dev-signer.key.pem", directory / "dev-signer.cert.pem", directory / "dev-ca.cert.pem"
    if key_path.exists() and cert_path.exists() and ca_path.exists():
        return key_path, cert_path, ca_path
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name(f"SLRT Development CA {settings.district} (NOT OFFICIAL)", settings)
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder().subject_name(_name(f"{settings.office_name} (development)", settings))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    for path, data in ((ca_path, ca_cert.public_bytes(serialization.Encoding.PEM)),
                       (cert_path, cert.public_bytes(serialization.Encoding.PEM)),
                       (key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))):
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.chmod(0o600)
        tmp.replace(path)
    log.warning("generated a DEVELOPMENT signing certificate under %s; install the office certificate for "
                "official letters (SLRT_LETTERS_SIGNING_PKCS12 or _KEY/_CERT)", directory)
    return key_path, cert_path, ca_path


def _pem_certs(path: Path) -> list[asn1_x509.Certificate]:
    return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
            for c in x509.load_pem_x509_certificates(path.read_bytes())]


class _KeyCachingSigner(signers.SimpleSigner):
    """pyhanko re-parses the private key for every signature, and cryptography checks an RSA key
    on load (~120 ms for 2048 bits): parse it once, keep it in memory."""

    _pyca_key: object = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        name = mechanism["algorithm"].native
        if name not in ("sha256_rsa", "sha384_rsa", "sha512_rsa", "rsassa_pkcs1v15", "sha256_ecdsa",
                        "sha384_ecdsa", "sha512_ecdsa", "ecdsa"):
            return super().sign_raw(data, digest_algorithm)
        if self._pyca_key is None:
            self._pyca_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
        key = self._pyca_key
        hash_algo = getattr(hashes, digest_algorithm.upper())()
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hash_algo)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


def _caching(signer: signers.SimpleSigner) -> signers.SimpleSigner:
    return _KeyCachingSigner(signing_cert=signer.signing_cert, signing_key=signer.signing_key,
                             cert_registry=signer.cert_registry, signature_mechanism=signer.signature_mechanism)


class LetterSigner:
    """Signs PDFs with the office identity and verifies them against the trusted roots."""

    def __init__(self, settings: LettersSettings) -> None:
        passphrase = settings.letters_signing_passphrase.get_secret_value().encode() or None
        chain = [str(settings.letters_signing_chain)] if settings.letters_signing_chain else None
        if settings.letters_signing_pkcs12:
            signer = signers.SimpleSigner.load_pkcs12(str(settings.letters_signing_pkcs12), ca_chain_files=chain,
                                                      passphrase=passphrase)
            self.development = False
        elif settings.letters_signing_key and settings.letters_signing_cert:
            signer = signers.SimpleSigner.load(str(settings.letters_signing_key), str(settings.letters_signing_cert),
                                               ca_chain_files=chain, key_passphrase=passphrase)
            self.development = False
        elif settings.letters_signing_key or settings.letters_signing_cert:
            raise SigningNotConfigured("set both SLRT_LETTERS_SIGNING_KEY and SLRT_LETTERS_SIGNING_CERT (or a PKCS#12)")
        elif not settings.auth_dev_issuer:
            # Production (no development tokens): a per-pod development CA would seal letters no one can
            # trust, and each replica would trust only its own. Refuse to start instead.
            raise SigningNotConfigured(
                "no office signing certificate: set SLRT_LETTERS_SIGNING_PKCS12 (or _KEY and _CERT) and "
                "SLRT_LETTERS_SIGNING_CHAIN; a development certificate is only made with SLRT_AUTH_DEV_ISSUER=true")
        else:
            key, cert, ca = ensure_dev_identity(settings.letters_dir / "signing", settings)
            signer = signers.SimpleSigner.load(str(key), str(cert), ca_chain_files=[str(ca)])
            chain = [str(ca)]
            self.development = True
        if signer is None:
            raise SigningNotConfigured("the office signing key/certificate could not be loaded (path or passphrase)")
        self.signer = _caching(signer)
        if settings.letters_trust_roots:
            self.trust_roots = _pem_certs(settings.letters_trust_roots)
        else:
            # The self-signed certificates of the configured chain are the roots we trust.
            chain_certs = [c for path in chain or () for c in _pem_certs(Path(path))]
            self.trust_roots = [c for c in chain_certs if c.self_signed] or chain_certs
        if not self.trust_roots:
            raise SigningNotConfigured("no trust root: set SLRT_LETTERS_SIGNING_CHAIN or SLRT_LETTERS_TRUST_ROOTS")
        self.subject = self.signer.signing_cert.subject.human_friendly

    def sign(self, pdf: bytes, *, reason: str, location: str, letter_ref: str) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        # The letter's reference in the document information: an uploaded copy names its letter.
        writer.document_meta.subject = letter_ref
        meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, reason=reason, location=location,
                                            subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
        # A fixed reservation for the signature container spares pyhanko a dry-run signature.
        out = signers.sign_pdf(writer, meta, signer=self.signer, bytes_reserved=16384)
        return out.getvalue()

    def verify(self, pdf: bytes) -> VerificationResult:
        try:
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            signatures = reader.embedded_signatures
        except Exception as e:  # noqa: BLE001 - any damage means: not a readable signed PDF
            return VerificationResult(signed=False, problem=f"not a readable PDF ({type(e).__name__})")
        if not signatures:
            return VerificationResult(signed=False, problem="the PDF carries no signature")
        if len(signatures) != 1:
            return VerificationResult(signed=True, problem="the PDF carries more than one signature")
        try:
            context = ValidationContext(trust_roots=self.trust_roots, allow_fetching=False)
            status = validate_pdf_signature(signatures[0], context)
        except Exception as e:  # noqa: BLE001 - a damaged signature is a failed verification, not a 500
            return VerificationResult(signed=True, problem=f"signature cannot be validated ({type(e).__name__})")
        coverage = getattr(status.coverage, "name", str(status.coverage))
        return VerificationResult(
            signed=True, intact=bool(status.intact), valid=bool(status.valid), trusted=bool(status.trusted),
            covers_whole_file=coverage == "ENTIRE_FILE",
            signer=status.signing_cert.subject.human_friendly if status.signing_cert else None,
        )


def letter_ref_of(pdf: bytes) -> str | None:
    """The letter reference written into a signed PDF's document information (None if unreadable)."""
    try:
        subject = PdfFileReader(io.BytesIO(pdf), strict=False).document_meta_view.subject
        return str(subject) if subject else None
    except Exception:  # noqa: BLE001
        return None
