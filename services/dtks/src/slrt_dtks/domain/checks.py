"""The outcome of checking one complaint against the DTKS registry.

Privacy rule: the check keeps only the outcome (status, household id, programmes, decile, the
registry version it was made against). The NIK and the name stay in the registry table; they
are never written to a check's event. (A prelist proposal does keep the proposed person's profile
in this service's own event store — see ``prelist.py`` — but its published events carry none of it.)
"""

from __future__ import annotations

import datetime as dt
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from slrt_contracts import Actor, ComplaintType, DTKSStatus, Region, ServiceField
from slrt_runtime.errors import DomainError, NotFound

_CHECK_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/dtks-check")


class CheckNotFound(NotFound):
    pass


class PersonNotFound(NotFound):
    pass


class InvalidNikGiven(DomainError):
    """422: the text given is not a NIK; the message says which part is wrong, never the value."""


class RegistryCheck(Aggregate):
    """One per complaint. The id is derived from the complaint id, so processing the same
    complaint twice (a redelivery, a replay) finds the existing check instead of making another."""

    @staticmethod
    def create_id(complaint_id: UUID, **_: object) -> UUID:  # type: ignore[override]
        return uuid5(_CHECK_NS, str(complaint_id))

    @event("Created")
    def __init__(
        self,
        complaint_id: UUID,
        receipt_number: str,
        region: Region,
        field: ServiceField,
        complaint_type: ComplaintType,
        status: DTKSStatus,
        household_id: str | None,
        programmes: list[str],
        welfare_decile: int | None,
        registry_version: str | None,
        checked_by: Actor,
        prelist_proposal_id: UUID | None = None,
    ) -> None:
        # Also runs when the aggregate is rebuilt from its stored event, where enums come back
        # as plain strings: compare by value and convert back.
        if status != DTKSStatus.FOUND and (household_id or programmes or welfare_decile):
            raise DomainError("only a person found in DTKS has a household, programmes or a decile")
        self.complaint_id = complaint_id
        self.receipt_number = receipt_number
        self.region = region
        self.field = ServiceField(field)
        self.complaint_type = ComplaintType(complaint_type)
        self.status = DTKSStatus(status)
        self.household_id = household_id
        self.programmes = list(programmes)
        self.welfare_decile = welfare_decile
        self.registry_version = registry_version
        self.checked_by = checked_by
        self.prelist_proposal_id = prelist_proposal_id

    @property
    def checked_at(self) -> dt.datetime:
        return self.created_on


def check_id_for(complaint_id: UUID) -> UUID:
    return RegistryCheck.create_id(complaint_id=complaint_id)


_VERSION_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/dtks-registry-version")


class RegistryVersionRecord(Aggregate):
    """That a registry version became active, with its difference counts: the event the bus gets.

    The switch itself happens in the registry database; this record follows it (id derived from the
    version, so recording it twice is impossible) and is caught up at start if a crash fell between.
    """

    @staticmethod
    def create_id(registry_version: str, **_: object) -> UUID:  # type: ignore[override]
        return uuid5(_VERSION_NS, registry_version)

    @event("Activated")
    def __init__(self, registry_version: str, previous_version: str | None, district: str, source: str,
                 activated_at: str, rows: int, rows_rejected: int, rows_warned: int, added: int, removed: int,
                 changed: int, programme_changes: int) -> None:
        self.registry_version = registry_version
        self.previous_version = previous_version
        self.district = district
        self.counts = {"rows": rows, "rows_rejected": rows_rejected, "rows_warned": rows_warned, "added": added,
                       "removed": removed, "changed": changed, "programme_changes": programme_changes}


_REACTIVATION_NS = uuid5(NAMESPACE_URL, "https://slrt.example.id/dtks-registry-reactivation")


class RegistryReactivation(Aggregate):
    """An operator made an older registry version active again (a wrong extract rolled back): who,
    when, from which version, why, and the differences the switch made; the bus gets the same
    RegistryVersionActivated an import's activation gives.

    Like :class:`RegistryVersionRecord` it follows the switch in the registry database, which keeps
    the activation's row; the id derives from that row, so it is recorded at most once.
    """

    @staticmethod
    def create_id(activation: int, registry_version: str, activated_at: str, **_: object) -> UUID:  # type: ignore[override]
        return uuid5(_REACTIVATION_NS, f"{activation}/{registry_version}/{activated_at}")

    @event("Reactivated")
    def __init__(self, activation: int, registry_version: str, previous_version: str | None, district: str,
                 source: str, activated_at: str, by: Actor, reason: str, rows: int, rows_rejected: int,
                 rows_warned: int, added: int, removed: int, changed: int, programme_changes: int) -> None:
        self.activation = activation
        self.registry_version = registry_version
        self.previous_version = previous_version
        self.district = district
        self.by = by
        self.reason = reason
        self.counts = {"rows": rows, "rows_rejected": rows_rejected, "rows_warned": rows_warned, "added": added,
                       "removed": removed, "changed": changed, "programme_changes": programme_changes}
