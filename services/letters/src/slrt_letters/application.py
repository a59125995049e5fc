"""Letters application: request a letter, collect the paraf, sign it under the next letter number."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from slrt_contracts import Actor, ParafStep
from slrt_contracts.nik import mask_nik
from slrt_runtime.errors import InvalidTransition, NotPermitted
from slrt_runtime.eventstore import ServiceApplication
from slrt_runtime.numbering import NumberSequence, save_with_next_number

from .domain import (
    PARAF_TITLE,
    Letter,
    LetterNotFound,
    letter_number,
    letter_sequence_name,
)

class LettersApplication(ServiceApplication):
    name = "Letters"
    snapshotting_intervals = {NumberSequence: 100}

    def request_letter(
        self,
        *,
        actor: Actor,
        letter_type: str,
        nik: str,
        citizen_name: str,
        purpose: str,
        complaint_id: UUID | None = None,
        receipt_number: str | None = None,
    ) -> UUID:
        letter = Letter.request(
            district=self.settings.district,
            letter_type=letter_type,
            nik=nik,
            citizen_name=citizen_name,
            purpose=purpose,
            requested_by=actor,
            complaint_id=complaint_id,
            receipt_number=receipt_number,
        )
        self.save(letter)
        return letter.id

    def initial(self, letter_id: UUID, actor: Actor) -> dict[str, Any]:
        """The actor gives the paraf of their own rank: a Kasi's paraf is the Kasi step."""
        try:
            step = ParafStep(actor.role.value)
        except ValueError:
            titles = ", ".join(PARAF_TITLE.values())
            raise NotPermitted(f"role {actor.role.value} gives no paraf; paraf are given by {titles}") from None
        for _ in range(3):
            letter = self._letter(letter_id)
            letter.initial(step, actor)
            try:
                self.save(letter)
            except IntegrityError:
                # Changed meanwhile (a double click): reload, and the rules answer on fresh state.
                continue
            return self._view(letter)
        raise InvalidTransition(f"letter {letter_id} keeps changing under this paraf; try again")

    def sign(self, letter_id: UUID, actor: Actor) -> dict[str, Any]:
        # Every letter of this service belongs to its district (set at request): one register.
        district, year = self.settings.district, self._today().year

        def sign_with(sequence: int) -> Letter:
            letter = self._letter(letter_id)
            # A refused signature raises before anything is saved: the number stays free.
            letter.check_can_sign(actor)
            letter.sign(letter_number(letter.kind.classification, sequence, district, year), actor)
            return letter

        letter = save_with_next_number(self, letter_sequence_name(district, year), sign_with)
        return self._view(letter)

    def get_letter(self, letter_id: UUID) -> dict[str, Any]:
        return self._view(self._letter(letter_id))

    # -- helpers ------------------------------------------------------------------------------
    def _today(self) -> dt.date:
        # UTC, as the intake's receipts. Near midnight of 31 December the office's own time zone
        # (WIB/WITA/WIT) would give another year: open until settings carry the zone.
        return dt.datetime.now(dt.timezone.utc).date()

    def _letter(self, letter_id: UUID) -> Letter:
        try:
            letter = self.repository.get(letter_id)
        except AggregateNotFoundError:
            raise LetterNotFound(f"no letter {letter_id}") from None
        if not isinstance(letter, Letter):  # e.g. the id of a number sequence
            raise LetterNotFound(f"no letter {letter_id}")
        return letter

    @staticmethod
    def _view(letter: Letter) -> dict[str, Any]:
        missing = letter.missing_paraf
        return {
            "letter_id": letter.id,
            "letter_type": letter.letter_type,
            "title": letter.kind.title,
            "district": letter.district,
            "status": letter.status,
            "next_step": None if letter.is_signed else (missing[0].value if missing else "sign"),
            "complaint_id": letter.complaint_id,
            "receipt_number": letter.receipt_number,
            "nik_masked": mask_nik(letter.nik),
            "citizen_name": letter.citizen_name,
            "purpose": letter.purpose,
            "requested_at": letter.requested_at,
            "requested_by": letter.requested_by,
            "paraf": [{"step": p.step, "by": p.by, "at": p.at} for p in letter.paraf],
            "letter_number": letter.letter_number,
            "signed_at": letter.signed_at,
            "signed_by": letter.signed_by,
        }
