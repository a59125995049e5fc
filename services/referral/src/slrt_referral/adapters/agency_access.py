"""What an agency may do on NATS: read the referrals addressed to it and publish its answers, nothing else.

Each agency of the catalogue gets a durable JetStream consumer provisioned by the referral service
(``agency-<agency>-<district>``, filter ``slrt.<district>.referral.<agency>.*``), so its NATS user
needs no right to create consumers (a consumer it created itself could filter on any subject). Its
permissions, generated here for the district's nats-server configuration, allow only:

- publishing its answers on ``slrt.<district>.agency.<agency>.>``;
- reading (info, next message, ack) its own durable consumer;
- receiving replies on an inbox prefix of its own (``_INBOX_<agency>``), not on the shared ``_INBOX``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import BadRequestError, NotFoundError
from slrt_contracts.streams import stream_for

if TYPE_CHECKING:
    from ..application import ReferralApplication

log = logging.getLogger(__name__)

REFERRAL_STREAM = stream_for("referral").name


def durable_name(agency: str, district: str) -> str:
    return f"agency-{agency}-{district}"


def inbox_prefix(agency: str) -> str:
    return f"_INBOX_{agency}"


def referral_filter(agency: str, district: str) -> str:
    # Exactly one token after the agency code: the secretariat's internal facts (.internal.*) stay out.
    return f"slrt.{district}.referral.{agency}.*"


def consumer_config(agency: str, district: str) -> ConsumerConfig:
    durable = durable_name(agency, district)
    return ConsumerConfig(name=durable, durable_name=durable, filter_subject=referral_filter(agency, district),
                          ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, ack_wait=30,
                          max_ack_pending=1000, description=f"Referrals addressed to {agency}")


def nats_permissions(agency: str, district: str) -> dict[str, Any]:
    """The ``permissions`` block of the agency's user in the nats-server configuration."""
    durable = durable_name(agency, district)
    return {
        "publish": {"allow": [
            f"slrt.{district}.agency.{agency}.>",
            f"$JS.API.CONSUMER.INFO.{REFERRAL_STREAM}.{durable}",
            f"$JS.API.CONSUMER.MSG.NEXT.{REFERRAL_STREAM}.{durable}",
            f"$JS.ACK.{REFERRAL_STREAM}.{durable}.>",
        ]},
        "subscribe": {"allow": [f"{inbox_prefix(agency)}.>"]},
    }


async def ensure_agency_consumers(js: JetStreamContext, district: str, agencies: set[str]) -> list[str]:
    """Create the durable consumer of every agency that has none yet; returns the ones created."""
    created = []
    for agency in sorted(agencies):
        try:
            await js.consumer_info(REFERRAL_STREAM, durable_name(agency, district))
            continue
        except NotFoundError:
            pass
        try:
            await js.add_consumer(REFERRAL_STREAM, config=consumer_config(agency, district))
            created.append(agency)
        except BadRequestError as e:  # created meanwhile by another replica
            log.info("agency consumer for %s not created: %s", agency, e.description)
    return created


class AgencyInboxes:
    """Keeps a durable consumer for every agency of the catalogue (a new programme's agency too)."""

    def __init__(self, app: ReferralApplication, interval: float = 60.0) -> None:
        self.app = app
        self.interval = interval
        self.jetstream: Callable[[], JetStreamContext | None] = lambda: None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="agency-inboxes")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            js = self.jetstream()
            if js is None:  # not connected yet
                await asyncio.sleep(0.5)
                continue
            try:
                agencies = {p["agency"] for p in await asyncio.to_thread(self.app.programmes)}
                created = await ensure_agency_consumers(js, self.app.settings.district, agencies)
                if created:
                    log.info("agency inbox consumers created for %s", ", ".join(created))
            except Exception:  # noqa: BLE001 - NATS hiccup: try again next round
                log.exception("could not provision agency consumers")
                await asyncio.sleep(2.0)
                continue
            await asyncio.sleep(self.interval)
