"""The public verification of letters: what the QR code opens, and the check of an uploaded PDF.

Shows no personal data beyond a masked name (first letters only)."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from slrt_runtime.officials import Official

from ..adapters.signing import letter_ref_of
from ..domain import Letter, LetterNotFound


def mask_name(name: str) -> str:
    """'Siti Aminah' -> 'S*** A*****': enough to tell the holder it is their letter, not who they are."""
    return " ".join(part[0] + "*" * (len(part) - 1) for part in name.split())


def _official(letter: Letter) -> dict[str, str] | None:
    """The signing official's name and position; the NIP masked, since a NIP begins with the birth date."""
    if not letter.signer or letter.signed_by is None:
        return None
    official = Official(unit=letter.signed_by.role.value, **letter.signer)  # type: ignore[arg-type]
    return {"name": official.name, "position": official.position, "nip": official.nip_masked}


class PublicVerification:
    def public_status(self, letter_id: UUID) -> dict[str, Any]:
        try:
            letter: Letter = self._letter(letter_id)  # type: ignore[attr-defined]
        except LetterNotFound:
            return {"status": "unknown", "letter_id": letter_id}
        if letter.issued_at is None:  # drafts and letters in progress are nobody's business
            return {"status": "unknown", "letter_id": letter_id}
        return {
            "status": "revoked" if letter.revocation else "valid",
            "letter_id": letter.id,
            "letter_type": letter.letter_type,
            "title": letter.kind.title,
            "letter_number": letter.letter_number,
            "issued_on": letter.issued_at.date(),
            "issuer": self.office.name,  # type: ignore[attr-defined]
            "signed_as": letter.signed_by.role.value if letter.signed_by else None,
            "signed_by": _official(letter),
            "holder": mask_name(letter.applicant["name"]),
            "revoked_on": letter.revocation["at"].date() if letter.revocation else None,
        }

    def verify_upload(self, data: bytes, letter_id: UUID | None = None) -> dict[str, Any]:
        """Is this the unaltered signed original? Signature valid (pyhanko) AND the file's hash equals
        the one recorded when the letter was issued."""
        self.files.check(data)  # type: ignore[attr-defined]
        if letter_id is None:
            ref = letter_ref_of(data) or ""
            try:
                letter_id = UUID(ref.removeprefix("slrt-letter:")) if ref.startswith("slrt-letter:") else None
            except ValueError:
                letter_id = None
        status = self.public_status(letter_id) if letter_id else {"status": "unknown", "letter_id": None}
        signature = self.signer.verify(data)  # type: ignore[attr-defined]
        digest = hashlib.sha256(data).hexdigest()
        recorded = None
        if status["status"] != "unknown":
            recorded = self._letter(letter_id).document_sha256  # type: ignore[attr-defined]
        hash_matches = recorded is not None and digest == recorded
        authentic = signature.ok and hash_matches
        return {
            **status,
            "authentic": authentic,
            "signature_valid": signature.ok,
            "hash_matches": hash_matches,
            "problem": None if authentic else (signature.problem or (
                "the signature is not valid or not trusted" if not signature.ok else
                "unknown letter" if status["status"] == "unknown" else
                "the file differs from the signed original")),
        }
