"""Telling the citizen: pluggable channels behind one small interface.

A notice is first stored as an event of the complaint (``NoticeQueued``); the deadline book keeps
it as due at once and the watcher hands it to :meth:`IntakeApplication.deliver_notice`, which sends
it through the configured channel and records ``CitizenNotified``. A crash between sending and
recording sends it again (at least once); nothing stored is ever lost. (With the log channel the
registered notice skips the watcher: see ``NotificationChannel``.) The default channel writes
the notice to the log (no phone number, no name: the receipt number identifies it); SMS and
WhatsApp are adapters to configure (``SLRT_INTAKE_NOTIFY_CHANNEL``) with a gateway of the district.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("slrt.intake.notify")

ENV_CHANNEL = "SLRT_INTAKE_NOTIFY_CHANNEL"


@dataclass(frozen=True)
class Notice:
    receipt_number: str
    kind: str
    message: str
    phone: str | None


class NotificationChannel(Protocol):
    """``in_process = True`` (a class attribute) on a channel whose sending cannot fail and reaches no one
    outside the service (the log): registration then records the registered notice as delivered in its
    own transaction and sends it after the commit, with no round trip through the deadline watcher."""

    name: str

    def send(self, notice: Notice) -> str:
        """Deliver the notice; return the name of the channel that carried it. Raise to retry later."""
        ...


class LogChannel:
    """Default: the notice goes to the service log; the desk or facilitator tells the citizen
    (``GET /complaints/{id}`` shows what to tell them)."""

    name = "log"
    in_process = True

    def send(self, notice: Notice) -> str:
        log.info("notice %s for %s: %s", notice.kind, notice.receipt_number, notice.message)
        return self.name


class ChannelNotConfigured(RuntimeError):
    pass


class GatewayChannel:
    """SMS / WhatsApp: a district plugs in its gateway by subclassing and implementing ``deliver``.
    Without a phone number the notice falls back to the log channel (the desk tells the citizen)."""

    name = "gateway"

    def __init__(self, fallback: NotificationChannel | None = None) -> None:
        self.fallback = fallback or LogChannel()

    def send(self, notice: Notice) -> str:
        if not notice.phone:
            return self.fallback.send(notice)
        self.deliver(notice.phone, notice.message)
        return self.name

    def deliver(self, phone: str, message: str) -> None:
        raise ChannelNotConfigured(f"no {self.name} gateway configured; set one up or use {ENV_CHANNEL}=log")


class SmsChannel(GatewayChannel):
    name = "sms"


class WhatsAppChannel(GatewayChannel):
    name = "whatsapp"


CHANNELS: dict[str, type] = {"log": LogChannel, "sms": SmsChannel, "whatsapp": WhatsAppChannel}


def channel_from_env() -> NotificationChannel:
    name = os.environ.get(ENV_CHANNEL, "log")
    try:
        return CHANNELS[name]()
    except KeyError:
        raise ValueError(f"{ENV_CHANNEL}={name!r}: choose one of {', '.join(CHANNELS)}") from None
