"""Letter commands: request, documents, verification, draft, paraf, signature and issuance,
rejection, return for revision, revocation, overdue steps; and the public verification."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from slrt_contracts import Actor, ParafStep, Role
from slrt_contracts.events.letters import LetterStep
from slrt_runtime.deadlines import utc_now
from slrt_runtime.errors import InvalidTransition, NotPermitted
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.numbering import NumberSequence
from slrt_runtime.officials import Official, load_officials
from slrt_runtime.pdf import OfficeProfile
from slrt_runtime.settings import ServiceSettings
from slrt_runtime.timestandards import WIB

from ..adapters.dtks import Dtks, HttpDtks
from ..adapters.files import FileStore, WriteOnceStore
from ..adapters.pdf import render_letter
from ..adapters.signing import LetterSigner
from ..domain.catalogue import use_catalogue
from ..domain import (
    DuplicateRequest,
    Letter,
    LetterNotFound,
    fingerprint,
    letter_id_for,
    letter_number,
    letter_sequence_name,
    needs_dtks,
    request_letter,
    validate,
)
from ..settings import LettersSettings
from .bpjs import BpjsCommands
from .public import PublicVerification
from .views import letter_view

ATTEMPTS = 5


def file_store_for(application: ServiceApplication, root: Path, max_bytes: int) -> WriteOnceStore:
    """PostgreSQL persistence keeps the files in the database, beside the events that name them."""
    # Chosen here, not in adapters/files.py, so that the two stores do not import each other.
    if application.settings.persistence == "postgres":
        from ..adapters.dbfiles import DatabaseFileStore

        return DatabaseFileStore(application, max_bytes)
    return FileStore(root, max_bytes)


class LettersApplication(BpjsCommands, PublicVerification, ServiceApplication):
    name = "Letters"
    snapshotting_intervals = {NumberSequence: 100}

    def __init__(self, settings: ServiceSettings | None = None, *, dtks: Dtks | None = None,
                 signer: LetterSigner | None = None, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.settings: LettersSettings = LettersSettings.of(settings)
        super().__init__(self.settings)
        self.catalogue = use_catalogue(self.settings.letters_catalogue)
        self.dtks: Dtks = dtks or HttpDtks(self.settings)
        self._signer = signer
        self.files = file_store_for(self, self.settings.letters_dir / "files", self.settings.letters_max_upload_bytes)
        self.office = OfficeProfile.from_settings(self.settings)
        self.officials = load_officials(self.settings.district_officials, self.settings.district)
        self.clock = clock or utc_now

    @property
    def signer(self) -> LetterSigner:
        # Loaded (or, in development, generated) on first use: key generation costs a fraction of a second.
        if self._signer is None:
            self._signer = LetterSigner(self.settings)
        return self._signer

    # -- request ------------------------------------------------------------------------------
    def request_letter(self, *, actor: Actor, letter_type: str, fields: dict[str, Any],
                       request_id: str | None = None, documents_presented: list[str] | None = None) -> tuple[UUID, bool]:
        """Returns the letter id and whether it was created now (False: the same request again)."""
        if request_id and (existing := self._existing_request(request_id, letter_type, fields, actor)):
            return existing, False
        letter = request_letter(self.catalogue, district=self.settings.district, letter_type=letter_type,
                                fields=fields, requested_by=actor, request_id=request_id)
        if documents_presented:
            letter.check_documents(dict.fromkeys(documents_presented, True), actor)
        try:
            self.save(letter)
        except IntegrityError:
            if request_id and (existing := self._existing_request(request_id, letter_type, fields, actor)):
                return existing, False  # the same request raced itself
            raise
        return letter.id, True

    def _existing_request(self, request_id: str, letter_type: str, fields: dict[str, Any], actor: Actor) -> UUID | None:
        letter_id = letter_id_for(self.settings.district, request_id)
        try:
            existing = self._letter(letter_id)
        except LetterNotFound:
            return None
        again = request_letter(self.catalogue, district=self.settings.district, letter_type=letter_type,
                               fields=fields, requested_by=actor)
        if fingerprint(again) != fingerprint(existing):
            raise DuplicateRequest(f"request id {request_id!r} was already used for another letter")
        return letter_id

    # -- steps --------------------------------------------------------------------------------
    def check_documents(self, letter_id: UUID, actor: Actor, presented: dict[str, bool]) -> dict[str, Any]:
        return self._change(letter_id, lambda letter: letter.check_documents(presented, actor))

    def attach_scan(self, letter_id: UUID, actor: Actor, code: str, data: bytes) -> dict[str, Any]:
        letter = self._letter(letter_id)
        if letter.kind.document(code) is None:  # before writing a file for nothing
            letter.attach_scan(code, {}, actor)
        stored = self.files.put(letter_id, code.replace("_", "-"), data)
        return self._change(letter_id, lambda letter: letter.attach_scan(code, stored, actor))

    def verify(self, letter_id: UUID, actor: Actor) -> dict[str, Any]:
        letter = self._letter(letter_id)
        letter.ensure_documents_complete("verify the letter")
        nik = letter.applicant.get("nik")
        # Ask the DTKS outside any retry loop: the answer does not depend on the letter's version.
        check = self.dtks.programme_check(nik) if nik and needs_dtks(letter.kind) else None
        result = validate(letter.kind, letter.applicant, letter.sktm, check)
        return self._change(letter_id, lambda letter: letter.record_validation(result, actor))

    def draft(self, letter_id: UUID, actor: Actor, destination: str | None = None,
              corrections: dict[str, str] | None = None) -> dict[str, Any]:
        if self._letter(letter_id).validation is None:
            self.verify(letter_id, actor)  # the SOP verifies before drafting; one call does both
        return self._change(letter_id, lambda letter: letter.draft(actor, destination, corrections))

    def initial(self, letter_id: UUID, actor: Actor) -> dict[str, Any]:
        """The actor gives the paraf of their own rank: a Kasi's paraf is the Kasi step."""
        try:
            step = ParafStep(actor.role.value)
        except ValueError:
            raise NotPermitted(f"role {actor.role.value} gives no paraf; paraf are given by Kasi, Kabid, Sekdin") from None
        return self._change(letter_id, lambda letter: letter.initial(step, actor))

    def sign(self, letter_id: UUID, actor: Actor) -> dict[str, Any]:
        """Sign under the next number of the office's register, then issue (render, seal, archive)."""
        year = self.clock().astimezone(WIB).year  # the office's year, not UTC's, on 31 December evening
        unit, district = self.settings.letters_number_unit, self.settings.district

        for attempt in range(3):
            letter = self._letter(letter_id)  # read before the transaction that takes the number
            letter.check_can_sign(actor)  # refused before anything is saved: the number stays free

            def sign_with(seq: int, letter: Letter = letter) -> Letter:
                number = letter_number(self.settings.letters_number_format, classification=letter.kind.classification,
                                       seq=seq, unit=unit, year=year, district=district)
                letter.sign(number, actor, self.officials.of(actor.role.value).model_dump(exclude={"unit"}))
                return letter

            try:
                self.save_numbered([letter_sequence_name(district, unit, year)], sign_with)
            except IntegrityError:  # the letter changed meanwhile: the number was rolled back, read again
                if attempt == 2:
                    raise
                continue
            break
        return self.issue(letter_id)

    def issue(self, letter_id: UUID) -> dict[str, Any]:
        """Render, digitally sign and archive a signed letter; safe to repeat (a crash in between)."""
        letter = self._letter(letter_id)
        if letter.issued_at is not None or not letter.is_signed:
            return letter_view(letter)
        signer_role = letter.signed_by.role if letter.signed_by else Role.KADIN
        head = self.officials.of("kadin")
        signer = (Official(unit=signer_role.value, **letter.signer) if letter.signer else  # type: ignore[arg-type]
                  self.officials.of(signer_role.value))
        pdf = render_letter(kind=letter.kind, office=self.office, letter=letter_view(letter, full=True),
                            letter_number=letter.letter_number or "", issued_at=letter.signed_at or self.clock(),
                            signer=signer, on_behalf_of=head.position if signer_role is Role.SEKDIN else None,
                            verification_url=self.settings.public_verification_url.format(letter_id=letter.id))
        signed = self.signer.sign(pdf, reason=f"{letter.kind.title} {letter.letter_number}",
                                  location=self.office.city, letter_ref=f"slrt-letter:{letter.id}")
        stored = self.files.put(letter.id, "letter", signed)
        digest = hashlib.sha256(signed).hexdigest()
        return self._issue_and_batch(letter_id, digest, str(stored["file"]))

    def reject(self, letter_id: UUID, actor: Actor, reason: str) -> dict[str, Any]:
        return self._change(letter_id, lambda letter: letter.reject(reason, actor))

    def return_for_revision(self, letter_id: UUID, actor: Actor, reason: str) -> dict[str, Any]:
        return self._change(letter_id, lambda letter: letter.return_for_revision(reason, actor))

    def revoke(self, letter_id: UUID, actor: Actor, reason: str) -> dict[str, Any]:
        return self._change(letter_id, lambda letter: letter.revoke(reason, actor))

    def record_overdue(self, letter_id: UUID, step: LetterStep, due_at: dt.datetime) -> dict[str, Any]:
        return self._change(letter_id, lambda letter: letter.record_overdue(step, due_at))

    # -- reads --------------------------------------------------------------------------------
    def get_letter(self, letter_id: UUID) -> dict[str, Any]:
        return letter_view(self._letter(letter_id))

    def letter_region(self, letter_id: UUID) -> str:
        return self._letter(letter_id).region

    def letter_pdf(self, letter_id: UUID) -> bytes:
        letter = self._letter(letter_id)
        if not letter.document_file:
            raise InvalidTransition("the letter has no signed document yet")
        return self.files.get(letter.document_file)

    # -- helpers ------------------------------------------------------------------------------
    def _letter(self, letter_id: UUID) -> Letter:
        try:
            letter = self.repository.get(letter_id)
        except AggregateNotFoundError:
            raise LetterNotFound(f"no letter {letter_id}") from None
        if not isinstance(letter, Letter):  # e.g. the id of a number sequence
            raise LetterNotFound(f"no letter {letter_id}")
        return letter

    def _change(self, letter_id: UUID, command: Callable[[Letter], Any]) -> dict[str, Any]:
        for _ in range(ATTEMPTS):
            letter = self._letter(letter_id)
            command(letter)  # domain errors raise here, before anything is saved
            try:
                self.save(letter)
            except IntegrityError:
                continue  # changed meanwhile (a double click): the rules answer again on fresh state
            return letter_view(letter)
        raise InvalidTransition(f"letter {letter_id} keeps changing under this command; try again")
