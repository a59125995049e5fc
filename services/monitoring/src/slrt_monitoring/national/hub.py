"""The national hub's storage, bounded by design (deploy/k8s/README.md, "Retention and size").

* **Arrivals** (``SLRT_MONITORING``, ``slrt.*.monitoring.aggregates``): what the districts send, kept
  for a day and at most ``arrivals_per_district`` per district — a buffer for the aggregator, not an
  archive. Its subject has no period, so the stream alone cannot keep "the latest per period".
* **Latest** (KV bucket ``SLRT_NATIONAL_LATEST``, key ``<district>.<period>``, history 1): the newest
  snapshot of every district and period, written by the aggregator once it has ordered them, and the
  arrivals position it covers (key ``arrivals_position``). Its size is one snapshot per key, whatever
  the pace; a fresh aggregator starts from it in seconds.
* **Dead letters** (``SLRT_DEADLETTER``, ``slrt.*.deadletter.>``): rejected messages with the reason.

Provisioning is idempotent: run at every start of the aggregator, it creates what is missing and
brings existing streams to these limits (an older, unbounded arrivals stream is trimmed).
"""

from __future__ import annotations

import logging
import re

from nats.js import JetStreamContext
from nats.js.api import (AckPolicy, ConsumerConfig, DeliverPolicy, DiscardPolicy, KeyValueConfig, RetentionPolicy,
                         StorageType, StreamConfig)
from nats.js.errors import BadRequestError, BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue
from slrt_contracts.events.monitoring import DistrictAggregatesPublished
from slrt_contracts.streams import DEAD_LETTER

from .settings import NationalSettings

log = logging.getLogger(__name__)
ARRIVALS_SUBJECT = DistrictAggregatesPublished.subject_wildcard()  # slrt.*.monitoring.aggregates
DEDUPE_SECONDS = 2 * 3600.0  # a district's re-send of the same snapshot (same Nats-Msg-Id) is kept once
DEAD_LETTER_MAX_BYTES = 256 * 1024 * 1024
_KEY_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def latest_key(district: str, period: str) -> str | None:
    """The bucket key of a district and period, or None when the period cannot be a key token."""
    return f"{district}.{period}" if _KEY_TOKEN.match(period) else None


def arrivals_config(settings: NationalSettings) -> StreamConfig:
    max_age = settings.arrivals_max_age_hours * 3600
    return StreamConfig(
        name=settings.stream, subjects=[ARRIVALS_SUBJECT],
        description="Snapshots as the districts send them; the latest per district and period are in the bucket",
        storage=StorageType.FILE, retention=RetentionPolicy.LIMITS, discard=DiscardPolicy.OLD,
        max_age=max_age, max_msgs_per_subject=settings.arrivals_per_district,
        duplicate_window=min(DEDUPE_SECONDS, max_age), num_replicas=settings.replicas)


def dead_letter_config(settings: NationalSettings) -> StreamConfig:
    return StreamConfig(
        name=settings.dead_letter_stream, subjects=list(DEAD_LETTER.subjects), description=DEAD_LETTER.description,
        storage=StorageType.FILE, retention=RetentionPolicy.LIMITS, discard=DiscardPolicy.OLD,
        max_age=settings.dead_letter_max_age_days * 86400, max_bytes=DEAD_LETTER_MAX_BYTES,
        num_replicas=settings.replicas)


def latest_config(settings: NationalSettings) -> KeyValueConfig:
    return KeyValueConfig(
        bucket=settings.latest_bucket, history=1, ttl=settings.latest_max_age_days * 86400,
        storage=StorageType.FILE, replicas=settings.replicas,
        description="Latest snapshot per district and period (key <district>.<period>)")


async def ensure_hub(js: JetStreamContext, settings: NationalSettings) -> KeyValue:
    """Create the arrivals and dead-letter streams and the latest bucket, or bring them to these limits."""
    await _ensure_stream(js, arrivals_config(settings))
    # Created with these bounds if missing, otherwise left alone: on a server that is also a district's,
    # the services provision the dead-letter stream themselves (slrt_runtime.streams).
    await _ensure_stream(js, dead_letter_config(settings), update=False)
    return await latest_bucket(js, settings, create=True)


async def latest_bucket(js: JetStreamContext, settings: NationalSettings, *, create: bool = False) -> KeyValue:
    try:
        return await js.key_value(settings.latest_bucket)
    except BucketNotFoundError:
        if not create:
            raise
    try:
        return await js.create_key_value(latest_config(settings))
    except BadRequestError as e:  # created concurrently
        if "already in use" not in (e.description or ""):
            raise
        return await js.key_value(settings.latest_bucket)


async def _ensure_stream(js: JetStreamContext, config: StreamConfig, *, update: bool = True) -> None:
    try:
        info = await js.stream_info(config.name)  # type: ignore[arg-type]
        if not update:
            return
        if sorted(info.config.subjects or []) != sorted(config.subjects or []):
            # A hub that is also a district's own server (embedded, tests): that stream is the district's.
            log.warning("national hub: stream %s has subjects %s, not %s; left as it is", config.name,
                        info.config.subjects, config.subjects)
            return
    except NotFoundError:
        try:
            await js.add_stream(config)
            log.info("national hub: created stream %s", config.name)
            return
        except BadRequestError as e:
            if "already in use" not in (e.description or ""):
                raise
    await js.update_stream(config)


async def latest_entries(js: JetStreamContext, settings: NationalSettings, batch: int = 500) -> list[tuple[str, bytes]]:
    """Every key of the latest bucket with its value, read in batches by one pull consumer (the
    library's key watcher pushes them one by one: 16 s for 514 snapshots on a busy machine)."""
    stream = f"KV_{settings.latest_bucket}"
    prefix = f"$KV.{settings.latest_bucket}."
    sub = await js.pull_subscribe(f"{prefix}>", durable=None, stream=stream, config=ConsumerConfig(
        deliver_policy=DeliverPolicy.LAST_PER_SUBJECT, ack_policy=AckPolicy.NONE, inactive_threshold=60))
    try:
        remaining = (await sub.consumer_info()).num_pending
        entries = []
        while remaining > 0:
            for msg in await sub.fetch(min(batch, remaining), timeout=30):
                remaining -= 1
                if not (msg.headers or {}).get("KV-Operation"):  # not a delete or purge marker
                    entries.append((msg.subject[len(prefix):], msg.data))
        return entries
    finally:
        await sub.unsubscribe()
