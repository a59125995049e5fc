"""JetStream streams: one per producing service, plus the dead-letter stream."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    description: str


PRODUCER_STREAMS: dict[str, StreamSpec] = {
    producer: StreamSpec(
        name=f"SLRT_{producer.upper()}",
        subjects=(f"slrt.*.{producer}.>",),
        description=f"Integration events published by the {producer} service",
    )
    for producer in ("intake", "dtks", "referral", "agency", "letters", "monitoring")
}

DEAD_LETTER = StreamSpec(
    name="SLRT_DEADLETTER",
    subjects=("slrt.*.deadletter.>",),
    description="Messages a consumer could not process, with the reason in the slrt-dead-letter-reason header",
)

ALL_STREAMS: tuple[StreamSpec, ...] = (*PRODUCER_STREAMS.values(), DEAD_LETTER)


def stream_for(producer: str) -> StreamSpec:
    return PRODUCER_STREAMS[producer]


def dead_letter_subject(district: str, consumer: str) -> str:
    return f"slrt.{district}.deadletter.{consumer}"
