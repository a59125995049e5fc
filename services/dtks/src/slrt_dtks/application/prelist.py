"""Prelist commands and queries of the DTKS application (see :mod:`.prelist` for the workflow).

Batch file format (CSV, UTF-8, one verified proposal per row; the ministry upload template):

    batch_id,proposal_id,province_code,district_code,subdistrict_code,village_code,nik,family_card,
    name,sex,birth_place,birth_date,address,household_members,source,proposed_at,verified_at

Ministry decisions (CSV, UTF-8): ``proposal_id,decision[,reason]`` with decision ``accepted`` /
``refused`` (``diterima`` / ``ditolak`` also read).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic
from slrt_contracts import Actor, ComplaintRegistered, Region, Role, service_actor
from slrt_contracts.events.dtks import PrelistDecision, PrelistRejectReason, PrelistSource, PrelistStage
from slrt_runtime.errors import DomainError, NotFound, NotPermitted

from ..domain import TOPICS_BEFORE_RELAYOUT
from ..domain.prelist import Batch, DuplicateProposal, Proposal, ProposalKey, ProposalNotFound, Status, key_id, person_key

if TYPE_CHECKING:
    from ..adapters.registry import RegistryStore

LIKELY_SAME_PERSON = 92.0
"""Fuzzy score (name + birth date + village) above which a proposal is taken to be someone in DTKS."""

BATCH_COLUMNS = ("batch_id", "proposal_id", "province_code", "district_code", "subdistrict_code", "village_code",
                 "nik", "family_card", "name", "sex", "birth_place", "birth_date", "address", "household_members",
                 "source", "proposed_at", "verified_at")
_DECISIONS = {"accepted": PrelistDecision.ACCEPTED, "diterima": PrelistDecision.ACCEPTED,
              "refused": PrelistDecision.REFUSED, "ditolak": PrelistDecision.REFUSED}
_SOURCE_OF_ROLE = {Role.FRONT_OFFICE: PrelistSource.FRONT_OFFICE, Role.PUSKESOS: PrelistSource.PUSKESOS,
                   Role.FACILITATOR: PrelistSource.FACILITATOR}


class PrelistCommands:
    registry: RegistryStore

    # -- proposing -----------------------------------------------------------------------------
    def _refuse_registry_duplicate(self, profile: dict[str, Any], village: str) -> None:
        if profile.get("nik") and self.registry.find_by_nik(profile["nik"]) is not None:
            raise DuplicateProposal("this NIK is in the DTKS registry already: no prelist proposal needed")
        if profile.get("name") and profile.get("birth_date"):
            birth = dt.date.fromisoformat(profile["birth_date"])
            for c in self.registry.fuzzy(profile["name"], birth, region=village, scope=village[:4], limit=1):
                if c.score.total >= LIKELY_SAME_PERSON and c.person.birth_date == birth:
                    raise DuplicateProposal(f"likely in DTKS already as registry id {c.person.registry_id} "
                                            f"(match score {c.score.total:.0f}); check it before proposing")

    def _new_proposal(self, *, region: Region, source: PrelistSource, profile: dict[str, Any], by: Actor,
                      complaint_id: UUID | None = None, note: str = "") -> tuple[Proposal, ProposalKey]:
        key = person_key(profile, region.village)
        try:
            claim: ProposalKey = self.repository.get(key_id(key))  # type: ignore[attr-defined]
        except AggregateNotFoundError:
            claim = None  # type: ignore[assignment]
        if claim is not None and claim.open:
            raise DuplicateProposal(f"this person already has an open prelist proposal {claim.proposal_id}")
        proposal = Proposal(region=region, source=source.value, profile=profile, complaint_id=complaint_id,
                            proposed_by=by, key=key, note=note)
        if claim is None:
            claim = ProposalKey(key=key, proposal_id=proposal.id)
        else:
            claim.claim(proposal.id)
        return proposal, claim

    def propose(self, actor: Actor, region: Region, profile: dict[str, Any], note: str = "") -> UUID:
        """A front office, Puskesos or facilitator proposes someone (with their basic profile)."""
        if not actor.covers(region.village):
            raise NotPermitted(f"the village {region.village} is outside your region {actor.region}")
        if region.district != self.settings.district:  # type: ignore[attr-defined]
            raise DomainError(f"this service keeps the prelist of district {self.settings.district}")  # type: ignore[attr-defined]
        self._refuse_registry_duplicate(profile, region.village)
        proposal, claim = self._new_proposal(region=region, source=_SOURCE_OF_ROLE.get(actor.role, PrelistSource.FRONT_OFFICE),
                                             profile=profile, by=actor, note=note)
        try:
            self.save(proposal, claim)  # type: ignore[attr-defined]
        except IntegrityError:  # the same person proposed at the same moment elsewhere
            raise DuplicateProposal("this person was proposed at the same moment by someone else") from None
        return proposal.id

    def proposal_for_complaint(self, complaint: ComplaintRegistered) -> tuple[UUID | None, tuple]:
        """The proposal for a complaint's person not found in DTKS: a new one, or the open one."""
        identity = getattr(complaint, "identity", None)
        profile: dict[str, Any] = {"nik": complaint.nik, "household_members": 1}
        if identity is not None:
            profile.update(name=identity.name, sex=identity.sex.value if identity.sex else None,
                           birth_date=identity.birth_date.isoformat() if identity.birth_date else None,
                           address=identity.address, family_card=identity.family_card_number)
        profile = {k: v for k, v in profile.items() if v is not None}
        try:
            self._refuse_registry_duplicate(profile, complaint.region.village)
            proposal, claim = self._new_proposal(
                region=complaint.region, source=PrelistSource.COMPLAINT, profile=profile,
                by=service_actor("dtks", self.settings.district), complaint_id=complaint.complaint_id)  # type: ignore[attr-defined]
        except DuplicateProposal:
            try:
                existing: ProposalKey = self.repository.get(key_id(person_key(profile, complaint.region.village)))  # type: ignore[attr-defined]
                return existing.proposal_id, ()
            except AggregateNotFoundError:
                return None, ()  # likely in DTKS under another NIK: staff see it in the fuzzy search
        return proposal.id, (proposal, claim)

    # -- the workflow ---------------------------------------------------------------------------
    def get_proposal(self, actor: Actor, proposal_id: UUID) -> Proposal:
        try:
            proposal: Proposal = self.repository.get(proposal_id)  # type: ignore[attr-defined]
        except AggregateNotFoundError:
            raise ProposalNotFound(f"no prelist proposal {proposal_id}") from None
        if not isinstance(proposal, Proposal):
            raise ProposalNotFound(f"no prelist proposal {proposal_id}")
        if not actor.covers(proposal.region.village):
            raise NotPermitted(f"this proposal is outside your region {actor.region}")
        return proposal

    def _finish(self, proposal: Proposal) -> None:
        if proposal.status in (Status.REJECTED, Status.REFUSED):
            claim: ProposalKey = self.repository.get(key_id(proposal.key))  # type: ignore[attr-defined]
            if claim.open and claim.proposal_id == proposal.id:
                claim.release()  # not taken in: the person may be proposed again later
                self.save(proposal, claim)  # type: ignore[attr-defined]
                return
        self.save(proposal)  # type: ignore[attr-defined]

    def review(self, actor: Actor, proposal_id: UUID, approve: bool, reason: str | None = None, note: str = "") -> Status:
        proposal = self.get_proposal(actor, proposal_id)
        if approve:
            proposal.review(actor, note)
        else:
            proposal.reject(actor, PrelistStage.REVIEW, _reason(reason), note)
        self._finish(proposal)
        return proposal.status

    def recommend(self, actor: Actor, proposal_id: UUID, approve: bool, reason: str | None = None,
                  note: str = "") -> Status:
        proposal = self.get_proposal(actor, proposal_id)
        if approve:
            proposal.recommend(actor, note)
        else:
            proposal.reject(actor, PrelistStage.RECOMMENDATION, _reason(reason), note)
        self._finish(proposal)
        return proposal.status

    def record_verification(self, actor: Actor, proposal_id: UUID, verified: bool, reason: str | None = None,
                            note: str = "") -> Status:
        proposal = self.get_proposal(actor, proposal_id)
        if verified:
            proposal.verify(actor, note)
        else:
            proposal.reject(actor, PrelistStage.VERIFICATION, _reason(reason), note)
        self._finish(proposal)
        return proposal.status

    # -- listing ---------------------------------------------------------------------------------
    def proposals(self, actor: Actor, status: Status | None = None, limit: int = 100) -> list[Proposal]:
        """Proposals in the actor's region, oldest first.

        The status of every proposal is read from the topics of its stored events (no aggregate is
        rebuilt for that); only proposals in the wanted status are loaded, for the region check.
        """
        latest = _status_by_topic()
        current: dict[UUID, Status] = {}
        start = 1
        while True:
            page = self.recorder.select_notifications(start, 1000, topics=list(latest))  # type: ignore[attr-defined]
            for n in page:
                current[n.originator_id] = latest[n.topic]
            if len(page) < 1000:
                break
            start = page[-1].id + 1
        decided = (Status.ACCEPTED, Status.REFUSED)
        found: list[Proposal] = []
        for pid, last in current.items():  # insertion order: by first event, i.e. oldest proposal first
            if status is not None and last != status and not (last == Status.ACCEPTED and status in decided):
                continue
            proposal: Proposal = self.repository.get(pid)  # type: ignore[attr-defined]
            if actor.covers(proposal.region.village) and (status is None or proposal.status == status):
                found.append(proposal)
                if len(found) >= limit:
                    break
        return found

    # -- export and the ministry's decisions ------------------------------------------------------
    def export_batch(self, actor: Actor) -> Batch:
        """Every verified proposal in the actor's region goes into one new batch."""
        verified = self.proposals(actor, Status.VERIFIED, limit=100_000)
        if not verified:
            raise NotFound("no verified proposals waiting for export in your region")
        batch = Batch(district=self.settings.district, proposal_ids=[p.id for p in verified], exported_by=actor)  # type: ignore[attr-defined]
        for p in verified:
            p.export(batch.id, actor)
        self.save(batch, *verified)  # type: ignore[attr-defined]
        return batch

    def get_batch(self, actor: Actor, batch_id: UUID) -> Batch:
        try:
            batch: Batch = self.repository.get(batch_id)  # type: ignore[attr-defined]
        except AggregateNotFoundError:
            raise NotFound(f"no prelist batch {batch_id}") from None
        if not isinstance(batch, Batch) or not actor.covers(batch.district):
            raise NotFound(f"no prelist batch {batch_id}")
        return batch

    def batch_csv(self, actor: Actor, batch_id: UUID) -> str:
        batch = self.get_batch(actor, batch_id)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(BATCH_COLUMNS)
        for pid in batch.proposal_ids:
            p: Proposal = self.repository.get(pid)  # type: ignore[attr-defined]
            verified_at = next((h for h in p.history if h["step"] == "verified"), {})
            r, f = p.region, p.profile
            writer.writerow([
                batch.id, p.id, r.district[:2], r.district, r.subdistrict, r.village, f.get("nik", ""),
                f.get("family_card", ""), f.get("name", ""), f.get("sex", ""), f.get("birth_place", ""),
                f.get("birth_date", ""), f.get("address", ""), f.get("household_members", 1), p.source.value,
                p.proposed_at.isoformat(), verified_at.get("at", ""),
            ])
        return out.getvalue()

    def import_decisions(self, actor: Actor, text: str) -> dict[str, Any]:
        """The ministry's answers for exported proposals; each row applied or reported, never silently."""
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in reader.fieldnames or []]
        if "proposal_id" not in header or "decision" not in header:
            raise DomainError("the decisions file needs the columns proposal_id,decision[,reason]")
        reader.fieldnames = header
        applied, problems = 0, []
        for row in reader:
            line = reader.line_num
            try:
                proposal = self.get_proposal(actor, UUID((row.get("proposal_id") or "").strip()))
                decision = _DECISIONS.get((row.get("decision") or "").strip().lower())
                if decision is None:
                    raise DomainError("decision must be accepted or refused")
                proposal.decide(decision, actor, (row.get("reason") or "").strip()[:300])
                self._finish(proposal)
                applied += 1
            except ValueError:
                problems.append({"row": line, "reason": "proposal_id is not a UUID"})
            except DomainError as e:
                problems.append({"row": line, "reason": str(e)})
        return {"applied": applied, "problems": problems}


def _status_by_topic() -> dict[str, Status]:
    """The status a proposal is in after each of its events (Decided: accepted or refused, see the event)."""
    statuses = (("Proposed", Status.PROPOSED), ("Reviewed", Status.REVIEWED), ("Recommended", Status.RECOMMENDED),
                ("Verified", Status.VERIFIED), ("Rejected", Status.REJECTED), ("Exported", Status.EXPORTED),
                ("Decided", Status.ACCEPTED))
    # Events stored before the relayout carry the topics of the module the proposal was in then.
    old = next(topic for topic, cls in TOPICS_BEFORE_RELAYOUT.items() if cls is Proposal)
    return {topic: status for name, status in statuses
            for topic in (get_topic(getattr(Proposal, name)), f"{old}.{name}")}


def _reason(reason: str | None) -> PrelistRejectReason:
    try:
        return PrelistRejectReason(reason or "")
    except ValueError:
        raise DomainError(f"a rejection needs a reason, one of: {', '.join(r.value for r in PrelistRejectReason)}") from None
