"""Settings of the letters service, beside the shared ones (same ``SLRT_`` environment prefix)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from slrt_runtime.settings import ServiceSettings

from .domain.numbers import check_number_format


class LettersSettings(ServiceSettings):
    letters_catalogue: Path | None = Field(default=None, description="Letter-type catalogue YAML; empty = the built-in one")
    letters_number_format: str = Field(
        default="{classification}/{seq:04d}/{unit}/{year}",
        description="Nomor surat; fields {classification} (per letter type), {seq}, {unit}, {year}, {district}",
    )
    letters_number_unit: str = Field(default="Dinsos", description="Office unit code written in the letter number")

    letters_signing_pkcs12: Path | None = Field(default=None, description="Office certificate and key as PKCS#12")
    letters_signing_key: Path | None = Field(default=None, description="Office signing key, PEM (with _cert)")
    letters_signing_cert: Path | None = Field(default=None, description="Office signing certificate, PEM")
    letters_signing_chain: Path | None = Field(default=None, description="Intermediate/root CA certificates, PEM")
    letters_signing_passphrase: SecretStr = Field(default=SecretStr(""), description="Passphrase of the key / PKCS#12")
    letters_trust_roots: Path | None = Field(
        default=None, description="Root certificate(s), PEM, that verification trusts; empty = the chain's root / dev CA")

    letters_max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, description="Largest scan or PDF accepted")

    @field_validator("letters_number_format")
    @classmethod
    def _format(cls, value: str) -> str:
        check_number_format(value)
        return value

    @classmethod
    def of(cls, settings: ServiceSettings | None) -> LettersSettings:
        if isinstance(settings, LettersSettings):
            return settings
        if settings is None:
            return cls()
        # Shared settings as given; the letters ones from the environment.
        return cls(**{name: getattr(settings, name) for name in ServiceSettings.model_fields})

    @property
    def letters_dir(self) -> Path:
        return self.data_dir / "letters"
