"""OpenTelemetry tracing; the trace context travels in NATS headers (W3C traceparent)."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from opentelemetry import context as otel_context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, SpanExporter,
                                            SpanExportResult)
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

log = logging.getLogger(__name__)
_configured = False
_off = False
"""True once ``setup_tracing`` was asked for no exporter: then no span is made at all."""


class FileSpanExporter(SpanExporter):
    """Spans as JSON lines in a file (``SLRT_OTEL_EXPORTER=file:<directory>``, one file per service):
    what the platform would export, kept where a test (or an operator without a collector) can read it."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            self._file.write(span.to_json(indent=None) + "\n")
        self._file.flush()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self._file.close()


def setup_tracing(service: str, exporter: str = "none", sample_ratio: float = 1.0,
                  span_exporter: SpanExporter | None = None) -> None:
    """Install a tracer provider once per process. Spans are batched: exporting each span
    synchronously cost two thirds of the throughput of a trivial endpoint here."""
    global _configured, _off
    if _configured:
        return
    _configured = True
    if span_exporter is None and exporter == "none":
        # Nothing would export the spans: recording them, and storing a trace context with every event,
        # cost about a tenth of a consumer's CPU. No SDK provider, and ``span`` makes nothing.
        _off = True
        return
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"slrt-{service}"}),
        sampler=ParentBased(TraceIdRatioBased(sample_ratio)),
    )
    if span_exporter is None and exporter.startswith("file:"):
        span_exporter = FileSpanExporter(Path(exporter.removeprefix("file:")) / f"{service}.spans.jsonl")
    elif span_exporter is None and exporter == "console":
        span_exporter = ConsoleSpanExporter()
    elif span_exporter is None and exporter == "otlp":
        # Endpoint, headers and timeouts from the standard OTEL_EXPORTER_OTLP_* variables.
        span_exporter = OTLPSpanExporter()
    if isinstance(span_exporter, FileSpanExporter):
        # The file is for diagnosis and the personal-data scan: each span written as it ends, so none
        # is lost when the process is stopped before a batch would have been flushed.
        provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    elif span_exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(provider)


@functools.lru_cache(maxsize=8)
def tracer(name: str = "slrt") -> trace.Tracer:
    # Made once: get_tracer builds a new tracer (and compares instrumentation scopes) every call.
    # Before setup_tracing this is a proxy that follows the provider installed later.
    return trace.get_tracer(name)


def flush() -> None:
    """Export the spans still batched. Called as the app shuts down: uvicorn ends a SIGTERM'd process by
    raising the signal again after its shutdown, so the SDK's exit handler never runs."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush()


def tracing_off() -> bool:
    return _off


@contextlib.contextmanager
def span(name: str, headers: Mapping[str, str] | None = None,
         kind: trace.SpanKind = trace.SpanKind.INTERNAL) -> Iterator[trace.Span]:
    """A span continuing the trace context in ``headers``; with tracing off, an inert one and no context."""
    if _off:
        yield trace.INVALID_SPAN
        return
    with tracer().start_as_current_span(name, context=context_from_headers(headers), kind=kind) as current:
        yield current


def current_trace_headers() -> dict[str, str]:
    """The active trace context as W3C headers (empty when there is no sampled span, or tracing is off)."""
    if _off:
        return {}
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_headers(headers: Mapping[str, str] | None) -> otel_context.Context:
    return propagate.extract(dict(headers or {}))
