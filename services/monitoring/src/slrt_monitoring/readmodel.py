"""Complaint-status read model, updated exactly once per event.

It is an eventsourcing tracking recorder with tables of its own: each update and the tracking row
of the upstream notification commit in one SQLite transaction, so a redelivered event is
recognised and skipped (exact-id, multi-row tracking, as in the event-sourced services).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, Tracking
from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder
from eventsourcing.utils import Environment
from slrt_contracts import ComplaintRegistered, ContractEvent
from slrt_runtime.consumers import Delivery
from slrt_runtime.eventstore import has_exact_tracking, persistence_env
from slrt_runtime.settings import Persistence, ServiceSettings

from .timeline import STATUS_LABELS, label, status_after

SUMMARY_DIMENSIONS = ("status", "complaint_type", "channel", "village", "field")


class ComplaintStatusView(SQLiteTrackingRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS complaints ("
            " complaint_id TEXT PRIMARY KEY, receipt_number TEXT UNIQUE, district TEXT, subdistrict TEXT,"
            " village TEXT, channel TEXT, complaint_type TEXT, field TEXT, status TEXT,"
            " registered_at TEXT, updated_at TEXT)",
            "CREATE TABLE IF NOT EXISTS timeline ("
            " event_id TEXT PRIMARY KEY, complaint_id TEXT, at TEXT, event_type TEXT, label TEXT, status TEXT)",
            "CREATE INDEX IF NOT EXISTS timeline_by_complaint ON timeline (complaint_id, at)",
        ]

    # -- updates -------------------------------------------------------------------------
    def apply(self, delivery: Delivery, event_id: str) -> bool:
        """Apply one event; False when this upstream notification was already applied."""
        if has_exact_tracking(self, delivery.upstream, delivery.notification_id):
            return False
        with self.datastore.transaction(commit=True) as c:
            self._apply(c, delivery.event, event_id)
            self._insert_tracking(c, Tracking(delivery.upstream, delivery.notification_id))
        return True

    def _apply(self, c: SQLiteCursor, event: ContractEvent, event_id: str) -> None:
        complaint_id = getattr(event, "complaint_id", None)
        if complaint_id is None:
            return  # e.g. a walk-in letter not linked to a complaint: nothing on a timeline
        at = _event_time(event).isoformat()
        if isinstance(event, ComplaintRegistered):
            c.execute(
                "INSERT INTO complaints VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (complaint_id) DO UPDATE SET"
                " receipt_number=excluded.receipt_number, district=excluded.district,"
                " subdistrict=excluded.subdistrict, village=excluded.village, channel=excluded.channel,"
                " complaint_type=excluded.complaint_type, field=excluded.field, registered_at=excluded.registered_at",
                (str(complaint_id), event.receipt_number, event.region.district, event.region.subdistrict,
                 event.region.village, event.channel.value, event.complaint_type.value, event.field.value,
                 "registered", at, at),
            )
        else:
            # Events can arrive before the registration (separate streams): keep a row to fill later.
            c.execute("INSERT INTO complaints (complaint_id, receipt_number, status, updated_at) VALUES (?,?,?,?)"
                      " ON CONFLICT (complaint_id) DO NOTHING",
                      (str(complaint_id), getattr(event, "receipt_number", None), "registered", at))
        c.execute("INSERT INTO timeline VALUES (?,?,?,?,?,?) ON CONFLICT (event_id) DO NOTHING",
                  (event_id, str(complaint_id), at, event.event_name, label(event), status_after(event)))
        # The status is that of the latest event on the timeline, whatever order events arrived in.
        c.execute("SELECT status, at FROM timeline WHERE complaint_id=? AND status IS NOT NULL"
                  " ORDER BY at DESC LIMIT 1", (str(complaint_id),))
        latest = c.fetchone()
        c.execute("UPDATE complaints SET status=?, updated_at=? WHERE complaint_id=?",
                  (latest["status"], latest["at"], str(complaint_id)))

    # -- queries -------------------------------------------------------------------------
    def track(self, receipt_number: str) -> dict[str, Any] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT complaint_id, status, registered_at, updated_at FROM complaints WHERE receipt_number=?",
                      (receipt_number,))
            row = c.fetchone()
            if row is None:
                return None
            c.execute("SELECT at, event_type, label FROM timeline WHERE complaint_id=? ORDER BY at",
                      (row["complaint_id"],))
            steps = [{"at": r["at"], "event": r["event_type"], "label": r["label"]} for r in c.fetchall()]
        return {
            "receipt_number": receipt_number,
            "status": row["status"],
            "status_label": STATUS_LABELS.get(row["status"], row["status"]),
            "registered_at": row["registered_at"],
            "updated_at": row["updated_at"],
            "timeline": steps,
        }

    def summary(self, region_prefix: str = "") -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        with self.datastore.transaction(commit=False) as c:
            for dimension in SUMMARY_DIMENSIONS:
                c.execute(
                    f"SELECT {dimension} AS k, COUNT(*) AS n FROM complaints"  # noqa: S608 - fixed names
                    " WHERE registered_at IS NOT NULL AND village LIKE ? GROUP BY k ORDER BY k",
                    (f"{region_prefix}%",),
                )
                result[dimension] = {r["k"]: r["n"] for r in c.fetchall()}
        return result


def _event_time(event: ContractEvent) -> dt.datetime:
    for name in ("registered_at", "checked_at", "sent_at", "answered_at", "requested_at", "initialled_at", "signed_at"):
        value = getattr(event, name, None)
        if value is not None:
            return value
    return dt.datetime.now(dt.timezone.utc)


def open_view(settings: ServiceSettings) -> ComplaintStatusView:
    if settings.persistence is not Persistence.SQLITE:
        raise NotImplementedError("the monitoring read model runs on SQLite for now (PostgreSQL: issue 6)")
    env = persistence_env(settings, "monitoring")
    return InfrastructureFactory.construct(Environment("monitoring", env)).tracking_recorder(ComplaintStatusView)
