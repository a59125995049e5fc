"""DTKS application: check registered complaints against the registry, keep registry versions
announced, and answer staff lookups (by NIK, family card, fuzzy name) and programme checks."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from slrt_contracts import Actor, ComplaintRegistered, DTKSStatus, InvalidNIK, service_actor, validate_nik
from slrt_runtime.consumers import Delivery, PermanentFailure
from slrt_runtime.errors import NotPermitted
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.settings import ServiceSettings

from ..domain.checks import CheckNotFound, InvalidNikGiven, PersonNotFound, RegistryCheck, RegistryVersionRecord, check_id_for
from .prelist import PrelistCommands
from .versions import ReactivationCommands
from ..adapters.registry import Candidate, ImportReport, Person, RegistryStore, nik_problems
from ..adapters.registry.store import Progress

log = logging.getLogger(__name__)


def parse_nik(nik: str) -> str:
    try:
        return validate_nik(nik)
    except InvalidNIK as e:
        raise InvalidNikGiven(f"invalid NIK: {e}") from None


def ensure_region(actor: Actor, region_code: str, what: str = "this person is registered") -> None:
    if not actor.covers(region_code):
        raise NotPermitted(f"{what} outside your region {actor.region}")


class DTKSApplication(PrelistCommands, ReactivationCommands, ServiceApplication):
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
        proposal_id, new_aggregates = None, ()
        if status is DTKSStatus.NOT_FOUND and version is not None:
            # Agreement 2: someone not in DTKS is proposed for the prelist by this service.
            proposal_id, new_aggregates = self.proposal_for_complaint(complaint)
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
            prelist_proposal_id=proposal_id,
        )
        # Checked already is rare (an upstream replay), so not looked up first (a read per message):
        # the new check's first event then conflicts with the stored one. In a batch that fails the
        # batch's commit and the consumer comes back here one message at a time, where it raises.
        try:
            return self.save_processed(delivery.upstream, delivery.notification_id, check, *new_aggregates)
        except IntegrityError:
            if not self._exists(check.id):
                raise
        # The same complaint under another notification id: the check stands; only remember that
        # this notification was seen.
        return self.save_processed(delivery.upstream, delivery.notification_id)

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    # -- registry versions --------------------------------------------------------------------
    def import_extract(self, path: Path | str, progress: Progress | None = None, **options: Any) -> ImportReport:
        report = self.registry.load_csv(path, progress, **options)
        self.announce_versions()
        return report

    def announce_versions(self) -> int:
        """Record RegistryVersionActivated for every active version not yet recorded (after an import,
        and at start, in case the process died between the switch and the record), and the
        activations of older versions the same way (:meth:`record_activations`)."""
        recorded = 0
        for v in reversed(self.registry.backend.versions(limit=50)):
            if not v["version"] or self._exists(RegistryVersionRecord.create_id(v["version"])):
                continue
            record = RegistryVersionRecord(
                registry_version=v["version"], previous_version=v["previous"], district=self.settings.district,
                source=v["source"][:200], activated_at=v["activated_at"] or v["loaded_at"], rows=v["rows"],
                rows_rejected=v["rejected"], rows_warned=v["warned"], added=v["added"], removed=v["removed"],
                changed=v["changed"], programme_changes=v["programme_changes"])
            try:
                self.save(record)
                recorded += 1
            except IntegrityError:  # another replica recorded it first
                pass
        return recorded + self.record_activations()

    # -- queries for the API ------------------------------------------------------------------
    def lookup(self, nik: str) -> Person:
        person = self.registry.find_by_nik(parse_nik(nik))
        if person is None:
            raise PersonNotFound("this NIK is not in the loaded DTKS registry extract")
        return person

    def check_nik(self, actor: Actor, nik: str, *, birth_date: dt.date | None = None,
                  sex: str | None = None) -> dict[str, Any]:
        """Look a NIK up and say whether it is consistent: with the record found, and with the birth
        date and sex the citizen gave (a mistyped NIK often still passes the format check)."""
        number = parse_nik(nik)
        person = self.registry.find_by_nik(number)
        if person is not None:
            ensure_region(actor, person.village_code)
            problems = nik_problems(number, birth_date=person.birth_date, sex=person.sex,
                                    village_code=person.village_code)
            if birth_date is not None and birth_date != person.birth_date:
                problems.append("the birth date given differs from the registry record")
            if sex is not None and sex != person.sex:
                problems.append("the sex given differs from the registry record")
        else:
            problems = nik_problems(number, birth_date=birth_date, sex=sex)
        return {"found": person is not None, "person": person, "registry_version": self.registry.current_version(),
                "nik_consistency": {"consistent": not problems, "problems": problems}}

    def programme_check(self, actor: Actor, nik: str) -> dict[str, Any]:
        """Agreement 4 (the letters service's call): programmes, PBI flags, decile, NIK consistency."""
        number = parse_nik(nik)
        person = self.registry.find_by_nik(number)
        version = self.registry.current_version()
        if person is None:
            return {"found": False, "registry_version": version, "registry_id": None, "household_id": None,
                    "welfare_decile": None, "programmes": [], "pbi": {"pusat": False, "daerah": False},
                    "nik_consistency": {"consistent": True, "problems": []}}
        ensure_region(actor, person.village_code)
        problems = nik_problems(number, birth_date=person.birth_date, sex=person.sex, village_code=person.village_code)
        return {"found": True, "registry_version": version, "registry_id": person.registry_id,
                "household_id": person.household_id, "welfare_decile": person.welfare_decile,
                "programmes": list(person.programmes), "pbi": person.pbi,
                "nik_consistency": {"consistent": not problems, "problems": problems}}

    def household(self, actor: Actor, *, family_card: str | None = None, household_id: str | None = None,
                  nik: str | None = None) -> list[Person]:
        if nik:
            household_id = self.lookup(nik).household_id
        members = self.registry.household(family_card=family_card, household_id=household_id)
        if not members:
            raise PersonNotFound("no household with this family card / household id in the registry")
        ensure_region(actor, members[0].village_code, "this household is registered")
        return members

    def fuzzy_search(self, actor: Actor, name: str, birth_date: dt.date, region: str | None,
                     limit: int) -> list[Candidate]:
        return self.registry.fuzzy(name, birth_date, region=region, scope=actor.region, limit=limit)

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
            "prelist_proposal_id": getattr(check, "prelist_proposal_id", None),
        }
