"""Referral application: the programme catalogue, complaints learnt from intake and dtks, and every
step of a referral. Commands take and return ids and primitives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import resources
from typing import Any
from uuid import UUID

import yaml
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from slrt_contracts import Actor, ComplaintRegistered, DTKSChecked, ReferralDecision, Role, service_actor
from slrt_contracts.events.agency import ReferralAnswerSubmitted
from slrt_contracts.events.intake import DisclosureConsentRecorded
from slrt_contracts.events.referral import PersonalDataBasis, ReferralOutcome, ReferralPersonalData
from slrt_runtime.consumers import Delivery, PermanentFailure
from slrt_runtime.errors import DomainError, InvalidTransition, NotPermitted
from slrt_runtime.audit import trail
from slrt_runtime.eventstore import ServiceApplication

from ..domain import Catalogue, Complaint, ComplaintNotKnown, DTKSResult, Programme, Referral, ReferralNotFound
from ..domain.complaints import IDENTITY_FIELDS
from ..domain.referrals import OPEN
from .history import STEPS
from .queues import ReferralQueues, summary

PROPOSING_ROLES = (Role.FRONT_OFFICE, Role.BACK_OFFICE, Role.PUSKESOS, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)


def seed_programmes() -> list[Programme]:
    text = resources.files("slrt_referral").joinpath("catalogue.yaml").read_text(encoding="utf-8")
    return [Programme(**entry) for entry in yaml.safe_load(text)["programmes"]]


def _identity(event: ComplaintRegistered) -> tuple[dict[str, Any] | None, bool]:
    """The identity block of a registration (an optional field intake adds), reduced to what a
    referral may disclose, and whether the complainant consented to disclosure."""
    block = getattr(event, "identity", None)
    if hasattr(block, "model_dump"):
        block = block.model_dump(mode="json")
    block = dict(block or {})
    consent = bool(block.get("consent_to_disclose", False))
    identity = {k: block[k] for k in IDENTITY_FIELDS if block.get(k) not in (None, "")}
    if "nik" not in identity and event.nik:
        identity["nik"] = event.nik
    return (identity or None), consent


class ReferralApplication(ServiceApplication):
    name = "Referral"

    def __init__(self, *args: Any, clock: Callable[[], dt.datetime] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self.queues = ReferralQueues(self)

    # -- the programme catalogue ---------------------------------------------------------------
    @property
    def catalogue_id(self) -> UUID:
        return Catalogue.create_id(self.settings.district)

    def seed_catalogue(self) -> bool:
        """Load the seed catalogue into an empty store (once; the manager's edits are never overwritten)."""
        if self._catalogue(missing_ok=True) is not None:
            return False
        catalogue = Catalogue(district=self.settings.district, programmes=[p.as_dict() for p in seed_programmes()],
                              opened_by=service_actor("referral", self.settings.district))
        try:
            self.save(catalogue)
        except IntegrityError:  # another replica seeded it first
            return False
        return True

    def _catalogue(self, missing_ok: bool = False) -> Catalogue | None:
        try:
            return self.repository.get(self.catalogue_id)
        except AggregateNotFoundError:
            if missing_ok:
                return None
            raise DomainError("the programme catalogue is empty; the manager adds programmes first") from None

    def programmes(self) -> list[dict[str, Any]]:
        catalogue = self._catalogue(missing_ok=True)
        return [p.as_dict() for p in catalogue.programmes()] if catalogue else []

    def programme(self, code: str) -> dict[str, Any]:
        return self._catalogue().programme(code).as_dict()

    def save_programme(self, data: dict[str, Any], manager: Actor) -> dict[str, Any]:
        programme = Programme(**data)
        catalogue = self._catalogue(missing_ok=True)
        if catalogue is None:
            catalogue = Catalogue(district=self.settings.district, programmes=[], opened_by=manager)
        catalogue.save_programme(programme, manager)
        self.save(catalogue)
        return programme.as_dict()

    # -- complaints, learnt from intake and dtks --------------------------------------------------
    def on_complaint_registered(self, delivery: Delivery) -> None:
        event = delivery.event
        assert isinstance(event, ComplaintRegistered)
        identity, consent = _identity(event)
        # Created without reading first: the usual case is a complaint this service has never seen.
        complaint = Complaint.learn(event.complaint_id, event.receipt_number, event.region, event.field,
                                    event.complaint_type, identity, consent)
        try:
            self.save_processed(delivery.upstream, delivery.notification_id, complaint)
        except IntegrityError:
            # Already there: noted by its DTKS check before complaints were created only by their
            # registration (an older store), or registered under another message id.
            self._register_known(delivery, identity, consent)

    def _register_known(self, delivery: Delivery, identity: dict[str, Any] | None, consent: bool) -> None:
        for attempt in range(3):  # a consent or a proposal may change the complaint meanwhile
            complaint = self._complaint(delivery.event.complaint_id)  # type: ignore[attr-defined]
            complaint.register(identity, consent)
            try:
                self.save_processed(delivery.upstream, delivery.notification_id, complaint)
                return
            except IntegrityError:
                if attempt == 2:
                    raise

    def on_consent_recorded(self, delivery: Delivery) -> None:
        event = delivery.event
        assert isinstance(event, DisclosureConsentRecorded)
        # Unknown yet (its registration comes on another consumer): raising retries it later.
        complaint = self._complaint(event.complaint_id)
        complaint.record_consent(event.consent_to_disclose)
        self.save_processed(delivery.upstream, delivery.notification_id, complaint)

    def on_complaint_checked(self, delivery: Delivery) -> None:
        event = delivery.event
        assert isinstance(event, DTKSChecked)
        result = DTKSResult(complaint_id=event.complaint_id, status=event.status.value,
                            programmes=list(event.programmes))
        try:
            self.save_processed(delivery.upstream, delivery.notification_id, result)
        except IntegrityError:
            if not self.recorder.select_events(result.id, limit=1):
                raise
            # Checked before, under another message id: the first check stands.
            self.save_processed(delivery.upstream, delivery.notification_id)

    def _dtks(self, complaint: Complaint) -> tuple[str, list[str]]:
        """The complaint's DTKS status and programmes; refused until registration and check are known."""
        result = None
        if complaint.dtks_status is None:  # else learnt before DTKSResult existed: the complaint has it
            try:
                result = self.repository.get(DTKSResult.create_id(complaint.complaint_id))
            except AggregateNotFoundError:
                pass
        return complaint.dtks(result)

    def _complaint(self, complaint_id: UUID) -> Complaint:
        try:
            return self.repository.get(Complaint.create_id(complaint_id))
        except AggregateNotFoundError:
            raise ComplaintNotKnown(f"complaint {complaint_id} is not known to the referral service") from None

    def complaint_region(self, complaint_id: UUID) -> str:
        return self._complaint(complaint_id).region.village

    # -- referrals -------------------------------------------------------------------------------
    def _get(self, referral_id: UUID) -> Referral:
        try:
            referral = self.repository.get(referral_id)
        except AggregateNotFoundError:
            raise ReferralNotFound(f"no referral {referral_id}") from None
        if not isinstance(referral, Referral):
            raise ReferralNotFound(f"no referral {referral_id}")
        return referral

    def _new_referral(self, complaint: Complaint, dtks: tuple[str, list[str]], programme: Programme,
                      note: str | None, by: Actor, redirected_from: UUID | None = None) -> Referral:
        if not programme.active:
            raise DomainError(f"programme {programme.code} is withdrawn from the catalogue")
        for existing_id in complaint.referral_ids:
            existing = self._get(existing_id)
            if existing.programme.code == programme.code and existing.status in OPEN:
                raise InvalidTransition(
                    f"the complaint already has an open referral to {programme.code} ({existing.status.value})")
        referral = Referral(
            complaint_id=complaint.complaint_id, receipt_number=complaint.receipt_number, region=complaint.region,
            complaint_type=complaint.complaint_type, dtks_status=dtks[0], dtks_programmes=dtks[1],
            programme=programme.as_dict(), note=note, proposed_by=by,
            redirected_from=redirected_from,
        )
        complaint.attach(referral.id)
        return referral

    def propose(self, complaint_id: UUID, programme_code: str, note: str | None, actor: Actor) -> UUID:
        if actor.role not in PROPOSING_ROLES:
            raise NotPermitted("referrals are proposed by the staff handling the complaint")
        complaint = self._complaint(complaint_id)
        if not actor.covers(complaint.region.village):
            raise NotPermitted(f"actor's region {actor.region} does not cover this complaint")
        referral = self._new_referral(complaint, self._dtks(complaint), self._catalogue().programme(programme_code),
                                      note, actor)
        self.save(complaint, referral)
        return referral.id

    def _disclosure(self, referral: Referral) -> PersonalDataBasis:
        complaint = self._complaint(referral.complaint_id)
        if complaint.identity is None:
            return PersonalDataBasis.WITHHELD
        if complaint.consent_to_disclose:
            return PersonalDataBasis.CONSENT
        if referral.programme.needs_personal_data:
            return PersonalDataBasis.SERVICE_NEED
        return PersonalDataBasis.WITHHELD

    def approve(self, referral_id: UUID, manager: Actor) -> None:
        referral = self._get(referral_id)
        referral.approve(manager, self._disclosure(referral), self.clock())
        self.save(referral)

    def decline(self, referral_id: UUID, reason: str | None, manager: Actor) -> None:
        referral = self._get(referral_id)
        referral.decline(manager, reason)
        self.save(referral)

    def revoke(self, referral_id: UUID, reason: str | None, manager: Actor) -> None:
        referral = self._get(referral_id)
        referral.revoke(manager, reason)
        self.save(referral)

    def redirect(self, referral_id: UUID, programme_code: str, reason: str | None, note: str | None,
                 manager: Actor) -> UUID:
        """The old referral is revoked and a new one, linked to it, is sent at once: the manager's
        redirect is the approval of the new one."""
        referral = self._get(referral_id)
        referral.ensure_redirectable(manager, reason, programme_code)
        complaint = self._complaint(referral.complaint_id)
        successor = self._new_referral(complaint, self._dtks(complaint),
                                       self._catalogue().programme(programme_code), note or referral.note, manager,
                                       redirected_from=referral.id)
        referral.redirect(manager, reason, successor)
        successor.approve(manager, self._disclosure(successor), self.clock())
        self.save(complaint, referral, successor)
        return successor.id

    def answer(self, referral_id: UUID, decision: ReferralDecision, reason: str | None, actor: Actor) -> None:
        referral = self._get(referral_id)
        referral.answer(decision, reason, actor, self.clock())
        self.save(referral)

    def report_outcome(self, referral_id: UUID, outcome: ReferralOutcome, note: str | None, actor: Actor) -> None:
        referral = self._get(referral_id)
        referral.report_outcome(outcome, note, actor, self.clock())
        self.save(referral)

    def on_agency_answer(self, delivery: Delivery) -> None:
        """An answer an agency published on its own subject: applied once, or dead-lettered saying why."""
        answer = delivery.event
        assert isinstance(answer, ReferralAnswerSubmitted)
        # NATS permissions let an agency publish only on its own subjects; the body must agree.
        if delivery.subject and delivery.subject != answer.subject():
            raise PermanentFailure(f"answer names agency {answer.agency} but came on {delivery.subject}")
        if self.is_processed(delivery.upstream, delivery.notification_id):
            return
        referral = self._get(answer.referral_id)
        actor = Actor(id=answer.answered_by, role=Role.AGENCY, region=answer.district, agency=answer.agency)
        if answer.decision is not None:
            referral.answer(answer.decision, answer.reason, actor, self.clock(), answer_id=answer.answer_id)
        else:
            assert answer.outcome is not None
            referral.report_outcome(answer.outcome, answer.note, actor, self.clock(), answer_id=answer.answer_id)
        self.save_processed(delivery.upstream, delivery.notification_id, referral)

    def mark_overdue(self, referral_id: UUID, due_at: dt.datetime) -> bool:
        referral = self._get(referral_id)
        if not referral.mark_overdue(due_at):
            return False
        self.save(referral)
        return True

    # -- reads -----------------------------------------------------------------------------------
    def personal_data(self, referral: Referral) -> ReferralPersonalData | None:
        """The identity the agency may see: only on a consent or service-need basis."""
        complaint = self._complaint(referral.complaint_id)
        basis = referral.personal_data_basis
        consented = basis == PersonalDataBasis.CONSENT and complaint.consent_to_disclose
        if basis != PersonalDataBasis.SERVICE_NEED and not consented:
            return None  # withheld, or consent withdrawn since: the agency sees no identity (any more)
        return ReferralPersonalData.model_validate(complaint.identity) if complaint.identity else None

    def get_referral(self, referral_id: UUID) -> dict[str, Any]:
        referral = self._get(referral_id)
        view = summary(referral)
        personal = self.personal_data(referral)
        view["personal_data"] = personal.model_dump(mode="json", exclude_none=True) if personal else None
        return view

    def referrals_for_complaint(self, complaint_id: UUID) -> list[dict[str, Any]]:
        return [summary(self._get(rid)) for rid in self._complaint(complaint_id).referral_ids]

    def history(self, referral_id: UUID) -> list[dict[str, Any]]:
        """Every step of the referral: who, when, what (its audit trail)."""
        return trail(self, self._get(referral_id).id, STEPS)
