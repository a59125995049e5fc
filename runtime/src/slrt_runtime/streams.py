"""Stream provisioning: file storage, a de-duplication window, idempotent on every start."""

from __future__ import annotations

import logging

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from slrt_contracts.streams import ALL_STREAMS, StreamSpec

from .settings import ServiceSettings

log = logging.getLogger(__name__)


def stream_config(spec: StreamSpec, settings: ServiceSettings) -> StreamConfig:
    return StreamConfig(
        name=spec.name,
        subjects=list(spec.subjects),
        description=spec.description,
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,  # events stay for re-reading (monitoring rebuilds)
        discard=DiscardPolicy.OLD,
        duplicate_window=settings.stream_duplicate_window_seconds,
        num_replicas=settings.stream_replicas,
    )


async def ensure_streams(js: JetStreamContext, settings: ServiceSettings) -> None:
    """Create the platform's streams, or bring their configuration up to date."""
    for spec in ALL_STREAMS:
        config = stream_config(spec, settings)
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            try:
                await js.add_stream(config)
                log.info("created stream %s", spec.name)
                continue
            except BadRequestError as e:  # created concurrently by another service
                if "already in use" not in (e.description or ""):
                    raise
        await js.update_stream(config)
