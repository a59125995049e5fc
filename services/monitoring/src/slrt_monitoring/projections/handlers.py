"""What each contract event changes in the read models, looked up by event name.

A handler returns the entity updates an event causes, as data: (kind, id, [(rule, slot, ...)]), with
the rules of :mod:`.state`. It never reads the store. Events without a handler (a producer's new
event monitoring has no view of yet) change nothing but the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slrt_contracts import ContractEvent

from .timeline import initial_level, label, status_after
from .fields import event_time, get, region_of, suffix
from .state import Op


@dataclass
class Effects:
    updates: list[tuple[str, str, list[Op]]] = field(default_factory=list)
    timeline: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    receipts: list[tuple[str, str]] = field(default_factory=list)

    def update(self, kind: str, entity_id: str | None, ops: list[Op]) -> None:
        if entity_id and ops:
            self.updates.append((kind, str(entity_id), ops))


def project(event: ContractEvent, event_id: str) -> Effects:
    at = event_time(event)
    name = event.event_name
    fx = Effects()
    complaint_id = get(event, "complaint_id")
    if complaint_id:
        _complaint(fx, event, complaint_id, at, event_id)
    if name.endswith("Overdue"):
        _overdue(fx, event, at)
    if name == "DTKSChecked":
        _dtks(fx, event, at, event_id)
    elif name.startswith("Referral") and event.producer == "referral":
        _referral(fx, event, at, event_id)
    elif name.startswith("Letter"):
        _letter(fx, event, at, event_id)
    elif name.startswith("BpjsBatch"):
        _batch(fx, event, at, event_id)
    elif name.startswith("Prelist"):
        _prelist(fx, event, at, event_id)
    elif name.startswith("Registry"):
        version = get(event, "registry_version", "version")
        changes = {k: int(get(event, k) or 0) for k in ("added", "removed", "changed", "programme_changes")}
        fx.update("registry", version, [("once", "version", version), ("earliest", "at", at),
                                        ("once", "region", event.district), ("once", "changes", changes)])
    return fx


def _complaint(fx: Effects, event: ContractEvent, complaint_id: str, at: str, eid: str) -> None:
    name = event.event_name
    status = status_after(event)
    fx.timeline.append((complaint_id, eid, at, name, label(event)))
    ops: list[Op] = []
    if name == "ComplaintRegistered":
        # Registration facts only: the identity block and the NIK stay out of monitoring.
        fx.receipts.append((event.receipt_number, complaint_id))
        channel = get(event, "channel")
        ops += [("once", "reg", {
            "receipt": event.receipt_number, "region": region_of(event), "registered_at": at, "channel": channel,
            "type": get(event, "complaint_type"), "field": get(event, "field"),
            "source": get(event, "source") or "-", "programme": get(event, "programme") or "-",
        }), ("latest", "level", at, eid, initial_level(channel))]
    if status is not None:
        ops.append(("latest", "status", at, eid, status))
    if event.producer == "intake" and (level := get(event, "to_level", "level")):
        ops.append(("latest", "level", at, eid, str(level)))
    if name == "ComplaintResolved":
        ops.append(("once", "outcome", [get(event, "outcome"), get(event, "satisfaction")]))
    if name == "DTKSChecked":
        ops += [("earliest", "dtks_at", at), ("latest", "dtks", at, eid, get(event, "status"))]
    if status == "resolved":
        ops.append(("earliest", "resolved_at", at))
    if name == "ComplaintOverdue":
        ops.append(("union", "overdue", str(get(event, "step") or "-")))
    fx.update("complaint", complaint_id, ops)


def _overdue(fx: Effects, event: ContractEvent, at: str) -> None:
    step = get(event, "step") or "-"
    unit = get(event, "agency", "office", "level", "letter_type") or event.district
    due = get(event, "due_at")
    fx.update("overdue", f"{event.event_name}:{event.entity_id()}:{step}", [
        ("once", "key", [event.producer, str(step), str(unit)]), ("once", "region", region_of(event)),
        ("earliest", "due_at", due.isoformat() if due is not None else at)])


def _dtks(fx: Effects, event: ContractEvent, at: str, eid: str) -> None:
    if household := get(event, "household_id"):
        fx.update("household", household, [("latest", "hh", at, eid, {
            "programmes": sorted(get(event, "programmes") or []), "decile": get(event, "welfare_decile"),
            "region": region_of(event)})])
    if proposal := get(event, "prelist_proposal_id"):
        fx.update("prelist", proposal, [("latest", "status", at, eid, "proposed"),
                                        ("longest", "region", region_of(event)), ("earliest", "at", at),
                                        ("default", "kind", "add")])


def _prelist(fx: Effects, event: ContractEvent, at: str, eid: str) -> None:
    status = str(get(event, "result", "outcome", "decision") or suffix(event.event_name, "Prelist"))
    if isinstance(ids := getattr(event, "proposal_ids", None), list):  # a batch (e.g. exported to the ministry)
        for proposal in ids:
            fx.update("prelist", str(proposal), [("latest", "status", at, eid, status), ("earliest", "at", at)])
        return
    kind = get(event, "kind", "proposal_type", "source")
    ops: list[Op] = [("latest", "status", at, eid, status), ("earliest", "at", at), ("default", "kind", "add"),
                     ("longest", "region", region_of(event))]
    if kind:
        ops.append(("once", "kind", str(kind)))  # only the proposal names its source
    fx.update("prelist", get(event, "proposal_id", "prelist_proposal_id", "prelist_id"), ops)


REFERRAL_STATUS = {"approved": "accepted", "rejected": "rejected", "further_review": "further_review"}


def _referral(fx: Effects, event: ContractEvent, at: str, eid: str) -> None:
    name = event.event_name
    if name.endswith("Overdue"):
        status = None
    elif name == "ReferralAnswered":
        status = REFERRAL_STATUS.get(get(event, "decision"), get(event, "decision"))
    else:
        status = suffix(name, "Referral")
    ops: list[Op] = [("earliest", "first_at", at)]
    if agency := get(event, "agency"):  # a redirect makes a new referral; this one keeps its agency
        ops.append(("latest", "agency", at, eid, agency))
    if programme := get(event, "programme", "programme_code"):
        ops.append(("once", "programme", programme))
    if getattr(event, "region", None) is not None:
        ops.append(("longest", "region", region_of(event)))
    if status:
        ops.append(("latest", "status", at, eid, status))
    if name == "ReferralSent":
        ops.append(("earliest", "sent_at", at))
    if status in ("accepted", "rejected", "further_review"):
        ops.append(("earliest", "answered_at", at))
    if outcome := get(event, "outcome", "result"):
        ops.append(("latest", "outcome", at, eid, str(outcome)))
    if name.endswith("Overdue"):
        ops.append(("union", "overdue", str(get(event, "step") or "-")))
    fx.update("referral", get(event, "referral_id"), ops)


LETTER_STATUS = {"LetterRequested": "requested", "LetterDocumentsChecked": "documents_checked",
                 "LetterValidated": "validated", "LetterReturned": "returned", "LetterInitialled": "initialled",
                 "LetterSigned": "signed", "LetterIssued": "issued", "LetterRejected": "rejected",
                 "LetterRevoked": "revoked"}
# The furthest step reached wins, whatever order the events came in; ending steps outrank the rest.
LETTER_RANK = {"requested": 0, "documents_checked": 1, "validated": 2, "returned": 2, "initialled": 3,
               "signed": 4, "issued": 5, "rejected": 6, "revoked": 7}


def _letter(fx: Effects, event: ContractEvent, at: str, eid: str) -> None:
    status = LETTER_STATUS.get(event.event_name)
    ops: list[Op] = [("longest", "office", get(event, "office", "office_code") or event.district),
                     ("longest", "region", region_of(event)), ("earliest", "first_at", at)]
    if letter_type := get(event, "letter_type"):
        ops.append(("once", "type", letter_type))
    if status:
        ops.append(("latest", "status", str(LETTER_RANK[status]), eid, status))
    if status == "requested":
        ops.append(("earliest", "requested_at", at))
    if status in ("signed", "issued"):
        ops.append(("earliest", "issued_at", at))
    if event.event_name == "LetterBpjsDecided":
        ops.append(("latest", "bpjs", at, eid, get(event, "decision")))
    fx.update("letter", get(event, "letter_id"), ops)


def _batch(fx: Effects, event: ContractEvent, at: str, eid: str) -> None:
    """Monthly collective submissions to BPJS and their reconciliation."""
    figures = {k: int(get(event, k) or 0) for k in ("enrolments", "deactivations", "accepted", "rejected", "pending")
               if get(event, k) is not None}
    fx.update("batch", get(event, "batch_id"), [
        ("latest", "status", at, eid, suffix(event.event_name, "BpjsBatch")), ("earliest", "at", at),
        ("once", "region", event.district), ("merged", "figures", figures)])
