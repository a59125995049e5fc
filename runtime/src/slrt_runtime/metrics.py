"""``/metrics`` in Prometheus format: HTTP by route template, and the platform's own moving parts.

HTTP comes from prometheus-fastapi-instrumentator, labelled by the route template
(``/registry/people/{nik}``), never the raw path, which may hold a NIK; requests no route matched
are counted under ``none``. The rest is read when Prometheus scrapes, from what the service keeps
anyway, so nothing is counted twice and a restarted process reports its store's truth:

- outbox lag: events stored minus events the relay has moved past (published or private);
- consumers: messages processed, dead-lettered, batches split, and the lag JetStream reported with
  the last fetch (messages still pending for the durable consumer);
- open deadlines: time standards and answer deadlines not yet fired.

Each app has its own registry: tests run several services in one process. Counts only: no label
carries a person's data.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator

log = logging.getLogger(__name__)


class PlatformCollector(Collector):
    """The outbox, consumers and deadlines of one service, read at scrape time."""

    def __init__(self, service: str, messaging: Any = None, deadline_book: Any = None) -> None:
        self.service = service
        self.messaging = messaging
        self.deadline_book = deadline_book

    def collect(self) -> Iterator[Metric]:
        labels = ["service"]
        if self.messaging is not None:
            yield from self._messaging()
        if self.deadline_book is not None:
            try:
                open_deadlines = self.deadline_book.open_count()
            except Exception as e:  # noqa: BLE001 - a busy store must not fail the whole scrape
                log.debug("open deadlines not readable: %s", type(e).__name__)
            else:
                gauge = GaugeMetricFamily("slrt_deadlines_open", "Deadlines not yet fired", labels=labels)
                gauge.add_metric([self.service], open_deadlines)
                yield gauge

    def _messaging(self) -> Iterator[Metric]:
        service, messaging = self.service, self.messaging
        connected = GaugeMetricFamily("slrt_nats_connected", "1 while connected to NATS", labels=["service"])
        connected.add_metric([service], 1.0 if messaging.connected.is_set() else 0.0)
        yield connected
        published = CounterMetricFamily("slrt_outbox_published", "Events the relay published since start",
                                        labels=["service"])
        lag = GaugeMetricFamily("slrt_outbox_lag_events", "Events stored but not yet moved past by the relay",
                                labels=["service"])
        for relay in messaging.relays:
            published.add_metric([service], relay.published)
            try:
                lag.add_metric([service], relay.lag())
            except Exception as e:  # noqa: BLE001 - a busy store must not fail the whole scrape
                log.debug("outbox lag not readable: %s", type(e).__name__)
        yield published
        yield lag
        families = {
            "processed": CounterMetricFamily("slrt_consumer_processed", "Messages handled", labels=["consumer"]),
            "dead_lettered": CounterMetricFamily("slrt_consumer_dead_lettered", "Messages sent to dead-letter",
                                                 labels=["consumer"]),
            "batches_split": CounterMetricFamily("slrt_consumer_batches_split",
                                                 "Batches that failed whole and were handled one by one",
                                                 labels=["consumer"]),
            "pending": GaugeMetricFamily("slrt_consumer_lag_messages",
                                         "Messages pending for the consumer as of its last fetch", labels=["consumer"]),
        }
        for consumer in messaging.consumers:
            for attribute, family in families.items():
                family.add_metric([consumer.name], getattr(consumer, attribute))
        yield from families.values()


def install(app: FastAPI, collector: Collector | None = None) -> CollectorRegistry:
    """Serve ``/metrics`` on ``app``: HTTP metrics by route template, plus ``collector``'s."""
    registry = CollectorRegistry()
    Instrumentator(registry=registry, excluded_handlers=["/metrics"], should_group_untemplated=True,
                   should_ignore_untemplated=False).instrument(app).expose(app, include_in_schema=False)
    if collector is not None:
        registry.register(collector)
    app.state.metrics_registry = registry
    return registry
