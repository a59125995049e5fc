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
