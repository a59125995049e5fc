"""One complaint is one trace: the command's trace context is stored with its events and carried
in the published message's headers."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from slrt_runtime.eventstore import ServiceApplication, trace_headers_of
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.telemetry import context_from_headers


class Thing(Aggregate):
    @event("Made")
    def __init__(self, label: str) -> None:
        self.label = label


class Things(ServiceApplication):
    name = "Things"


def test_trace_context_of_the_command_is_stored_with_the_event() -> None:
    tracer = TracerProvider().get_tracer("test")  # a real SDK tracer, independent of global setup
    app = Things(ServiceSettings(persistence="memory"))
    with tracer.start_as_current_span("POST /things") as span:
        app.save(Thing("x"))
        trace_id = span.get_span_context().trace_id
    stored = app.mapper.to_domain_event(app.recorder.select_notifications(1, 1)[0])
    headers = trace_headers_of(stored)
    assert headers["traceparent"].split("-")[1] == f"{trace_id:032x}"
    continued = trace.get_current_span(context_from_headers(headers)).get_span_context()
    assert continued.trace_id == trace_id
    # Without an active span nothing extra is stored, and reading old events still works.
    app.save(Thing("y"))
    assert trace_headers_of(app.mapper.to_domain_event(app.recorder.select_notifications(2, 1)[0])) == {}


def test_no_exporter_records_no_span_and_stores_no_trace_context(monkeypatch) -> None:
    from slrt_runtime import telemetry

    monkeypatch.setattr(telemetry, "_configured", False)
    monkeypatch.setattr(telemetry, "_off", False)
    monkeypatch.setattr(trace, "set_tracer_provider", lambda provider: (_ for _ in ()).throw(AssertionError))
    telemetry.setup_tracing("things", "none")  # what SLRT_OTEL_EXPORTER=none does: no SDK provider at all
    assert telemetry.tracing_off()
    app = Things(ServiceSettings(persistence="memory"))
    caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    with telemetry.span("POST /things", {"traceparent": caller}) as span:
        assert not span.is_recording()
        # Even inside another tracer's span (a library's own), nothing is stored with the event.
        with TracerProvider().get_tracer("test").start_as_current_span("inner"):
            app.save(Thing("x"))
    assert trace_headers_of(app.mapper.to_domain_event(app.recorder.select_notifications(1, 1)[0])) == {}
    assert telemetry.current_trace_headers() == {}
