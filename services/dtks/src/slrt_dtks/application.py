"""DTKS application: check registered complaints against the registry; look people up for staff."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from slrt_contracts import ComplaintRegistered, DTKSStatus, InvalidNIK, service_actor, validate_nik
from slrt_runtime.consumers import Delivery, PermanentFailure
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.settings import ServiceSettings

from .domain import CheckNotFound, InvalidNikGiven, PersonNotFound, RegistryCheck, check_id_for
from .registry import Person, RegistryStore

log = logging.getLogger(__name__)


class DTKSApplication(ServiceApplication):
    name = "DTKS"

    def __init__(self, settings: ServiceSettings | None = None, env: dict[str, str] | None = None,
                 registry: RegistryStore | None = None) -> None:
        super().__init__(settings, env)
        self.registry = registry or RegistryStore.for_settings(self.settings)

    # -- consumer of intake's ComplaintRegistered ---------------------------------------------
    def check_complaint(self, delivery: Delivery) -> bool:
        """Check one registered complaint; returns False when it had been processed already."""
        complaint = delivery.event
        if not isinstance(complaint, ComplaintRegistered):
            raise PermanentFailure(f"cannot check a {type(complaint).__name__}")
        if self._exists(check_id_for(complaint.complaint_id)):
            # The same complaint under another notification id (an upstream replay): the check
            # stands; only remember that this notification was seen.
            return self.save_processed(delivery.upstream, delivery.notification_id)
        version = self.registry.current_version()
        person: Person | None = None
        if complaint.nik is None:
            status = DTKSStatus.NO_NIK
        else:
            person = self.registry.find_by_nik(complaint.nik)
            status = DTKSStatus.FOUND if person else DTKSStatus.NOT_FOUND
            if version is None:
                # Recorded as not found with no registry version, rather than holding every
                # complaint back until an extract arrives; registry_version=None says why.
                log.warning("DTKS check of %s made with no registry extract loaded", complaint.receipt_number)
        check = RegistryCheck(
            complaint_id=complaint.complaint_id,
            receipt_number=complaint.receipt_number,
            region=complaint.region,
            field=complaint.field,
            complaint_type=complaint.complaint_type,
            status=status,
            household_id=person.household_id if person else None,
            programmes=list(person.programmes) if person else [],
            welfare_decile=person.welfare_decile if person else None,
            registry_version=version,
            checked_by=service_actor("dtks", self.settings.district),
        )
        return self.save_processed(delivery.upstream, delivery.notification_id, check)

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    # -- queries for the API ------------------------------------------------------------------
    def lookup(self, nik: str) -> Person:
        try:
            number = validate_nik(nik)
        except InvalidNIK as e:
            raise InvalidNikGiven(f"invalid NIK: {e}") from None
        person = self.registry.find_by_nik(number)
        if person is None:
            raise PersonNotFound("this NIK is not in the loaded DTKS registry extract")
        return person

    def get_check(self, complaint_id: UUID) -> dict[str, Any]:
        try:
            check: RegistryCheck = self.repository.get(check_id_for(complaint_id))
        except AggregateNotFoundError:
            raise CheckNotFound(f"no DTKS check for complaint {complaint_id} (yet)") from None
        return {
            "complaint_id": check.complaint_id,
            "receipt_number": check.receipt_number,
            "checked_at": check.checked_at,
            "status": check.status,
            "household_id": check.household_id,
            "programmes": check.programmes,
            "welfare_decile": check.welfare_decile,
            "registry_version": check.registry_version,
            "region": check.region,
            "field": check.field,
            "complaint_type": check.complaint_type,
            "checked_by": check.checked_by,
        }
