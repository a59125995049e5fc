"""Which letters domain events are public, and as what contract event.

Personal data rule: the applicant's NIK and name stay in this service (the letter prints them); no
contract event carries them. Subscribers learn *that* a letter moved, for whom only by the
complaint it belongs to.
"""

from __future__ import annotations

from typing import Any

from slrt_contracts import ContractEvent
from slrt_contracts.events import letters as c

from ..domain import BpjsBatch, Letter


def _identity(e: Any) -> dict[str, Any]:
    return {"district": e.district, "letter_id": e.originator_id, "letter_type": e.letter_type,
            "complaint_id": e.complaint_id, "receipt_number": e.receipt_number, "region": e.region}


def to_contract(e: Any) -> ContractEvent | None:  # noqa: PLR0911 - one case per event
    match e:
        case Letter.Requested():
            return c.LetterRequested(**_identity(e), requested_at=e.timestamp, requested_by=e.requested_by)
        case Letter.DocumentsChecked() | Letter.ScanAttached():
            presented = ([k for k, v in e.presented.items() if v] if isinstance(e, Letter.DocumentsChecked)
                         else [e.code])
            return c.LetterDocumentsChecked(**_identity(e), presented=sorted(presented), missing=list(e.missing),
                                            complete=not e.missing, checked_at=e.timestamp, checked_by=e.by)
        case Letter.Validated():
            return c.LetterValidated(**_identity(e), passed=e.result["passed"], problems=list(e.result["problems"]),
                                     dtks_found=e.result.get("dtks_found"), validated_at=e.timestamp)
        case Letter.Initialled():
            return c.LetterInitialled(**_identity(e), step=e.step, initialled_at=e.timestamp, initialled_by=e.by)
        case Letter.Signed():
            return c.LetterSigned(**_identity(e), letter_number=e.letter_number, signed_at=e.timestamp, signed_by=e.by)
        case Letter.Issued():
            return c.LetterIssued(**_identity(e), letter_number=e.letter_number, document_sha256=e.document_sha256,
                                  issued_at=e.timestamp)
        case Letter.Rejected():
            return c.LetterRejected(**_identity(e), step=e.step, reason=e.reason, rejected_at=e.timestamp, rejected_by=e.by)
        case Letter.Returned():
            return c.LetterReturned(**_identity(e), step=e.step, reason=e.reason, returned_at=e.timestamp, returned_by=e.by)
        case Letter.Revoked():
            return c.LetterRevoked(**_identity(e), letter_number=e.letter_number, reason=e.reason,
                                   revoked_at=e.timestamp, revoked_by=e.by)
        case Letter.Overdue():
            return c.LetterOverdue(**_identity(e), step=e.step, due_at=e.due_at, detected_at=e.timestamp)
        case Letter.SubmittedToBpjs():
            return c.LetterSubmittedToBpjs(**_identity(e), batch_id=e.batch_id, period=e.period, action=e.action,
                                           submitted_at=e.timestamp)
        case Letter.BpjsDecided():
            return c.LetterBpjsDecided(**_identity(e), batch_id=e.batch_id, action=e.action, decision=e.decision,
                                       reason=e.reason, decided_at=e.timestamp)
        case BpjsBatch.Closed():
            return c.BpjsBatchClosed(district=e.district, batch_id=e.originator_id, period=e.period,
                                     enrolments=e.enrolments, deactivations=e.deactivations, closed_at=e.timestamp)
        case BpjsBatch.Reconciled():
            return c.BpjsBatchReconciled(district=e.district, batch_id=e.originator_id, period=e.period,
                                         accepted=e.accepted, rejected=e.rejected, pending=e.pending,
                                         reconciled_at=e.timestamp)
    return None  # drafts, number sequences and batch bookkeeping stay private
