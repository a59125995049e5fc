"""Settings of the national aggregator (``SLRT_NATIONAL_*``), run by the national secretariat."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class NationalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_NATIONAL_", extra="ignore")

    nats_url: str = "nats://127.0.0.1:4322"
    stream: str = Field(default="SLRT_MONITORING", description="Stream holding the districts' aggregates as they arrive")
    durable: str = "national-aggregator"
    data_dir: Path = Path("var/data")
    http_host: str = "127.0.0.1"
    http_port: int = 8010

    # The hub's storage, provisioned (or brought up to date) by the aggregator at every start.
    provision: bool = Field(default=True, description="Create/update the hub's streams and bucket at start")
    replicas: int = Field(default=1, ge=1, le=5, description="JetStream replicas of what the aggregator provisions")
    arrivals_max_age_hours: float = Field(
        default=24.0, gt=0, description="How long the arrivals stream keeps a snapshot (the latest stay in the bucket)")
    arrivals_per_district: int = Field(
        default=48, ge=1, description="Most snapshots the arrivals stream keeps per district, whatever their age")
    latest_bucket: str = Field(default="SLRT_NATIONAL_LATEST",
                               description="KV bucket with the latest snapshot per district and period")
    latest_max_age_days: float = Field(default=400.0, gt=0,
                                       description="A district and period not published for this long is forgotten")
    dead_letter_stream: str = Field(default="SLRT_DEADLETTER", description="Where rejected messages go, with the reason")
    dead_letter_max_age_days: float = Field(default=30.0, gt=0)

    # Consuming.
    batch: int = Field(default=200, ge=1, le=1000, description="Messages fetched and committed together")
    max_deliveries: int = Field(
        default=5, ge=1, description="A message that can be neither kept nor dead-lettered is terminated after this")
    mirror_seconds: float = Field(
        default=5.0, gt=0, description="How often what was kept is put into the latest bucket (once per key)")
    overview_max_staleness_seconds: float = Field(
        default=1.0, ge=0, description="The overview JSON is rebuilt at most this often while snapshots arrive")
