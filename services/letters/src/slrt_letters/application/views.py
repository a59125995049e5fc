"""What staff see of a letter (a masked NIK; the full one only on paper) and what the PDF prints."""

from __future__ import annotations

from typing import Any

from slrt_contracts.nik import mask_nik

from ..domain import Letter


def letter_view(letter: Letter, *, full: bool = False) -> dict[str, Any]:
    kind = letter.kind
    missing = letter.missing_paraf
    applicant = dict(letter.applicant)
    if not full:
        applicant["nik"] = mask_nik(applicant.get("nik"))
    if letter.status == "awaiting_paraf":
        next_step = missing[0].value
    elif letter.status == "awaiting_signature":
        next_step = "sign"
    else:
        next_step = None
    return {
        "letter_id": letter.id,
        "letter_type": letter.letter_type,
        "title": kind.title,
        "district": letter.district,
        "region": letter.region,
        "status": letter.status,
        "current_step": letter.current_step.value if letter.current_step else None,
        "next_step": next_step,
        "complaint_id": letter.complaint_id,
        "receipt_number": letter.receipt_number,
        "request_id": letter.request_id,
        "nik_masked": mask_nik(letter.applicant.get("nik")),
        "citizen_name": letter.applicant["name"],
        "applicant": applicant,
        "purpose": letter.purpose,
        "destination": letter.destination,
        "found_location": letter.found_location,
        "requested_at": letter.requested_at,
        "requested_by": letter.requested_by,
        "documents": [
            {"code": d.code, "name": d.name, "optional": d.optional,
             "presented": bool(letter.documents.get(d.code, {}).get("presented")),
             "scan": _scan(letter.documents.get(d.code, {}).get("scan"))}
            for d in kind.documents
        ],
        "missing_documents": letter.missing_documents,
        "validation": _validation(letter.validation),
        "paraf_chain": [s.value for s in kind.paraf_chain],
        "signers": [r.value for r in kind.signers],
        "paraf": [{"step": p["step"], "by": p["by"],
                   "at": p["at"]} for p in letter.paraf],
        "letter_number": letter.letter_number,
        "signed_at": letter.signed_at,
        "signed_by": letter.signed_by,
        "signer": letter.signer,
        "issued_at": letter.issued_at,
        "document_sha256": letter.document_sha256,
        "rejection": letter.rejection,
        "returns": letter.returns,
        "revocation": letter.revocation,
        "overdue": letter.overdue,
        "bpjs": letter.bpjs,
        "applicant_notice": kind.applicant_notice,
    }


def _scan(scan: dict[str, Any] | None) -> dict[str, Any] | None:
    if not scan:
        return None
    return {k: scan.get(k) for k in ("sha256", "content_type", "size")}


def _validation(result: dict[str, Any] | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {k: result.get(k) for k in ("passed", "problems", "messages", "notes", "dtks_found", "programmes",
                                       "registry_version")}
