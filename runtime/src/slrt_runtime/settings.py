"""Every setting from the environment (prefix ``SLRT_``), with embedded-default values."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Published in this repository: fine for the embedded default, refused in production mode.
DEV_AUTH_SECRET = "slrt-dev-secret-change-me-in-production-0123456789"


class Persistence(StrEnum):
    SQLITE = "sqlite"  # embedded default: one file per service under SLRT_DATA_DIR
    POSTGRES = "postgres"  # production
    MEMORY = "memory"  # tests only: nothing survives a restart


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_", extra="ignore")

    district: str = Field(default="1605", pattern=r"^\d{4}$", description="District this deployment serves")
    nats_url: str = "nats://127.0.0.1:4322"
    persistence: Persistence = Persistence.SQLITE
    data_dir: Path = Path("var/data")

    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_user: str = "postgres"
    postgres_password: SecretStr = SecretStr("")
    postgres_dbname: str = "slrt"
    postgres_schema: str = Field(default="", description="Schema for this service's tables; empty = public")

    http_host: str = "127.0.0.1"
    http_port: int = 8000

    auth_secret: SecretStr = Field(
        default=SecretStr(DEV_AUTH_SECRET),
        description="HS256 key of the development token issuer (embedded default only; unused in production)",
    )
    auth_dev_issuer: bool = Field(
        default=True, description="Development tokens (POST /auth/dev-token); false = production mode: OpenID only")
    auth_issuer: str = Field(
        default="slrt-dev", description="Production: URL of the district's OpenID provider (issuer); "
        "development: the dev tokens' iss")
    auth_audience: str = Field(default="slrt-api", description="The aud the platform's access tokens carry")
    auth_role_claim: str = Field(default="role", description="Claim (dotted path) with the SLRT role, "
                                 "e.g. realm_access.roles for Keycloak realm roles")
    auth_region_claim: str = Field(default="region", description="Claim with the region code the user works for")
    auth_agency_claim: str = Field(default="agency", description="Claim with the agency code (agency staff)")
    auth_algorithms: str = Field(default="RS256,ES256", description="Accepted signature algorithms")
    auth_keys_cache_seconds: float = Field(default=600.0, description="How long the provider's keys are cached")
    auth_client_id: str = Field(default="", description="This service's own OAuth client (web sign-in; "
                                "letters' client-credentials calls to dtks)")
    auth_client_secret: SecretStr = Field(default=SecretStr(""), description="Secret of auth_client_id")
    auth_resource: str = Field(default="", description="RFC 8707 resource indicator sent with token requests, "
                               "for providers that choose the audience by it (empty: none sent)")

    person_index_key: SecretStr = Field(
        default=SecretStr(""), description="intake: key of the person index (keyed hash of the NIK behind "
        "POST /complaints/search); required in production mode, derived from SLRT_AUTH_SECRET in development")

    relay_batch_size: int = 200
    relay_poll_seconds: float = 1.0
    consumer_max_deliver: int = Field(default=5, description="Deliveries before a failing message is dead-lettered")
    consumer_ack_wait_seconds: float = 30.0
    stream_duplicate_window_seconds: float = 2 * 3600
    stream_replicas: int = 1

    deadline_poll_seconds: float = Field(
        default=15.0, description="How often a service looks for missed time standards (deadlines)"
    )

    office_name: str = Field(default="Dinas Sosial Kabupaten Musi Rawas", description="Letterhead: office name")
    office_unit: str = Field(default="Sekretariat SLRT", description="Letterhead: unit under the office")
    office_address: str = Field(
        default="Jl. Contoh No. 1, Muara Beliti, Kabupaten Musi Rawas", description="Letterhead: address line"
    )
    office_city: str = Field(default="Muara Beliti", description="Place written before the date on documents")
    district_officials: Path | None = Field(
        default=None, description="YAML of the office's officials (Kadin, Sekdin, Kabid, Kasi, desk officers); "
        "empty = the built-in synthetic ones of district 1605")
    public_tracking_url: str = Field(
        default="http://127.0.0.1:8005/public/track/{receipt_number}",
        description="Public complaint-tracking page; {receipt_number} is filled in (printed as a QR code)",
    )
    public_verification_url: str = Field(
        default="http://127.0.0.1:8004/public/verify/{letter_id}",
        description="Public letter-verification page; {letter_id} is filled in (printed as a QR code)",
    )
    dtks_url: str = Field(default="http://127.0.0.1:8002", description="Base URL of the dtks service's HTTP API")

    otel_exporter: str = Field(default="none", description="none | console | otlp")
    otel_sample_ratio: float = 1.0
    log_level: str = "INFO"

    def sqlite_path(self, service: str) -> Path:
        return self.data_dir / f"{service}.sqlite"
