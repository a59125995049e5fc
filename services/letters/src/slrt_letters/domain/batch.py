"""The month's collective BPJS batch: KIS PBI-Daerah enrolments and deactivations go to BPJS
Kesehatan once a month (Lumajang SOPs 15 and 18), and BPJS's reconciliation file answers each one."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from slrt_contracts import Actor
from slrt_runtime.errors import InvalidTransition
from slrt_runtime.timestandards import WIB

_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/letters/bpjs-batch")


def period_of(moment: dt.datetime, tz: dt.tzinfo = WIB) -> str:
    """The batch month of a moment, in the office's local calendar (YYYY-MM)."""
    return moment.astimezone(tz).strftime("%Y-%m")


def next_period(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def period_end(period: str, tz: dt.tzinfo = WIB) -> dt.datetime:
    """When the month's batch is due to close: the first moment of the next month, local time."""
    year, month = map(int, next_period(period).split("-"))
    return dt.datetime(year, month, 1, tzinfo=tz)


class BpjsBatch(Aggregate):
    @staticmethod
    def create_id(district: str, period: str) -> UUID:  # type: ignore[override]
        return uuid5(_NS, f"{district}:{period}")

    @event("Opened")
    def __init__(self, district: str, period: str) -> None:
        self.district, self.period = district, period
        self.entries: dict[str, dict[str, Any]] = {}
        self.closed_at: dt.datetime | None = None
        self.closed_by: Actor | None = None
        self.file_name: str | None = None
        self.reconciliations: list[dict[str, Any]] = []

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def add(self, letter_id: UUID, action: str) -> None:
        if self.is_closed:
            raise InvalidTransition(f"the BPJS batch of {self.period} is closed")
        if str(letter_id) not in self.entries:
            self._added(letter_id=letter_id, action=action)

    @event("LetterAdded")
    def _added(self, letter_id: UUID, action: str) -> None:
        self.entries[str(letter_id)] = {"action": action, "decision": None, "reason": None}

    def close(self, by: Actor, file_name: str) -> None:
        if self.is_closed:
            raise InvalidTransition(f"the BPJS batch of {self.period} is already closed")
        counts = self.counts()
        self._closed(by=by, file_name=file_name, enrolments=counts["enrolment"], deactivations=counts["deactivation"],
                     district=self.district, period=self.period)

    @event("Closed")
    def _closed(self, by: Actor, file_name: str, enrolments: int, deactivations: int, district: str,
                period: str) -> None:
        self.closed_at, self.closed_by, self.file_name = self.modified_on, by, file_name

    def counts(self) -> dict[str, int]:
        counts = {"enrolment": 0, "deactivation": 0}
        for entry in self.entries.values():
            counts[entry["action"]] += 1
        return counts

    def reconcile(self, decisions: dict[str, tuple[str, str | None]], by: Actor, file_name: str) -> None:
        if not self.is_closed:
            raise InvalidTransition(f"the BPJS batch of {self.period} has not been sent yet")
        unknown = sorted(set(decisions) - set(self.entries))
        if unknown:
            raise InvalidTransition(f"{len(unknown)} rows are not in the batch of {self.period}: {', '.join(unknown[:5])}")
        merged = {k: {"decision": v["decision"]} for k, v in self.entries.items()}
        for key, (decision, _) in decisions.items():
            merged[key]["decision"] = decision
        tally = [e["decision"] for e in merged.values()]
        self._reconciled(decisions={k: list(v) for k, v in decisions.items()}, by=by, file_name=file_name,
                         accepted=tally.count("accepted"), rejected=tally.count("rejected"), pending=tally.count(None),
                         district=self.district, period=self.period)

    @event("Reconciled")
    def _reconciled(self, decisions: dict[str, list[Any]], by: Actor, file_name: str, accepted: int,
                    rejected: int, pending: int, district: str, period: str) -> None:
        for key, (decision, reason) in decisions.items():
            self.entries[key].update(decision=decision, reason=reason)
        self.reconciliations.append({"file_name": file_name, "by": by, "at": self.modified_on,
                                     "accepted": accepted, "rejected": rejected, "pending": pending})
