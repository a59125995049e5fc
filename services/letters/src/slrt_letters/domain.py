"""Letters (surat) of the social office: requested by the officer (pengelola), initialled (paraf) up
the hierarchy Kasi -> Kabid -> Sekdin, then signed by the head of office (Kadin) and numbered.

The order is the SOP's, not a convenience: each paraf vouches that the levels below checked the
letter, so a Kabid may not initial what no Kasi has seen, and the Kadin signs only a fully
initialled letter. The letter number is given at signing, never before, so that drafts that are
abandoned leave no hole in the office's register of outgoing letters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from slrt_contracts import Actor, InvalidNIK, ParafStep, Role, validate_nik
from slrt_runtime.errors import DomainError, InvalidTransition, NotFound, NotPermitted

PARAF_TITLE = {ParafStep.KASI: "Kasi", ParafStep.KABID: "Kabid", ParafStep.SEKDIN: "Sekdin"}
"""How officials are called in messages shown to staff."""

PARAF_ROLE = {ParafStep.KASI: Role.KASI, ParafStep.KABID: Role.KABID, ParafStep.SEKDIN: Role.SEKDIN}

STANDARD_CHAIN = (ParafStep.KASI, ParafStep.KABID, ParafStep.SEKDIN)


@dataclass(frozen=True)
class LetterType:
    code: str
    title: str
    paraf_chain: tuple[ParafStep, ...]
    signers: tuple[Role, ...]
    classification: str
    """Archive classification code heading the letter number. 460 ("sosial") as in the examples we
    were given; each office confirms its own code from its classification list."""


# Lumajang SOPs 18 (KIS PBID) and the SKTM of the Musi Rawas SLRT desk: Kasi Linjamsos, Kabid
# Linjamsos and Sekdin initial, Kadin signs. (The SOPs also let the Sekdin sign on the Kadin's
# behalf; we model the Kadin only until an office asks for delegation.)
LETTER_TYPES: dict[str, LetterType] = {
    t.code: t
    for t in (
        LetterType("sktm", "Surat Keterangan Tidak Mampu (SKTM)", STANDARD_CHAIN, (Role.KADIN,), "460"),
        LetterType("rekomendasi-pbi-daerah", "Surat Rekomendasi Pengajuan KIS PBI-Daerah", STANDARD_CHAIN,
                   (Role.KADIN,), "460"),
    )
}


class LetterNotFound(NotFound):
    pass


class UnknownLetterType(DomainError):
    pass


class InvalidLetterRequest(DomainError):
    pass


def letter_type_of(code: str) -> LetterType:
    try:
        return LETTER_TYPES[code]
    except KeyError:
        known = ", ".join(sorted(LETTER_TYPES))
        raise UnknownLetterType(f"unknown letter type {code!r}; known types: {known}") from None


def letter_number(classification: str, sequence: int, district: str, year: int) -> str:
    """Nomor surat as Indonesian offices write it: classification / serial / office / year."""
    return f"{classification}/{sequence:04d}/SLRT-{district}/{year}"


def letter_sequence_name(district: str, year: int) -> str:
    # One register per office and year for all letter types: the serial restarts each January.
    return f"letter:{district}:{year}"


@dataclass(frozen=True)
class Paraf:
    step: ParafStep
    by: Actor
    at: dt.datetime


class Letter(Aggregate):
    """One letter for one citizen. NIK and name are kept because the letter must print them; they
    stay in this service's store and never go on the bus (see :mod:`.messaging`)."""

    @classmethod
    def request(
        cls,
        *,
        district: str,
        letter_type: str,
        nik: str,
        citizen_name: str,
        purpose: str,
        requested_by: Actor,
        complaint_id: UUID | None = None,
        receipt_number: str | None = None,
    ) -> Letter:
        # Checks happen here, before the event exists: replaying a stored event must never fail.
        letter_type_of(letter_type)
        try:
            nik = validate_nik(nik)
        except InvalidNIK as e:
            raise InvalidLetterRequest(str(e)) from None
        citizen_name, purpose = " ".join(citizen_name.split()), purpose.strip()
        if not citizen_name:
            raise InvalidLetterRequest("the citizen's name is needed: the letter prints it")
        if not purpose:
            raise InvalidLetterRequest("the purpose of the letter is needed")
        return cls(district=district, letter_type=letter_type, nik=nik, citizen_name=citizen_name,
                   purpose=purpose, requested_by=requested_by, complaint_id=complaint_id,
                   receipt_number=receipt_number)

    @event("Requested")
    def __init__(
        self,
        district: str,
        letter_type: str,
        nik: str,
        citizen_name: str,
        purpose: str,
        requested_by: Actor,
        complaint_id: UUID | None,
        receipt_number: str | None,
    ) -> None:
        self.district = district
        self.letter_type = letter_type
        self.nik = nik
        self.citizen_name = citizen_name
        self.purpose = purpose
        self.requested_by = requested_by
        self.complaint_id = complaint_id
        self.receipt_number = receipt_number
        self.paraf: list[Paraf] = []
        self.letter_number: str | None = None
        self.signed_by: Actor | None = None
        self.signed_at: dt.datetime | None = None

    # Paraf and signature events carry the letter's public identity (district, type, complaint),
    # so the outbox relay can publish them from the event alone, without loading the aggregate.
    class Initialled(Aggregate.Event):
        step: str
        by: Actor
        district: str
        letter_type: str
        complaint_id: UUID | None
        receipt_number: str | None

        def apply(self, aggregate: Letter) -> None:
            aggregate.paraf.append(Paraf(ParafStep(self.step), self.by, self.timestamp))

    class Signed(Aggregate.Event):
        letter_number: str
        by: Actor
        district: str
        letter_type: str
        complaint_id: UUID | None
        receipt_number: str | None

        def apply(self, aggregate: Letter) -> None:
            aggregate.letter_number = self.letter_number
            aggregate.signed_by = self.by
            aggregate.signed_at = self.timestamp

    # -- queries ------------------------------------------------------------------------------
    @property
    def kind(self) -> LetterType:
        return LETTER_TYPES[self.letter_type]

    @property
    def requested_at(self) -> dt.datetime:
        return self.created_on

    @property
    def is_signed(self) -> bool:
        return self.letter_number is not None

    @property
    def missing_paraf(self) -> list[ParafStep]:
        given = {p.step for p in self.paraf}
        return [s for s in self.kind.paraf_chain if s not in given]

    @property
    def status(self) -> str:
        if self.is_signed:
            return "signed"
        return "awaiting_paraf" if self.missing_paraf else "awaiting_signature"

    # -- commands -----------------------------------------------------------------------------
    def initial(self, step: ParafStep, by: Actor) -> None:
        """Give the paraf of ``step``. The paraf is personal: only that official gives it (an
        admin cannot stand in for a Kabid)."""
        title = PARAF_TITLE[step]
        if by.role is not PARAF_ROLE[step]:
            raise NotPermitted(f"paraf {title} is given by the {title} (role {PARAF_ROLE[step].value}), "
                               f"not by role {by.role.value}")
        if self.is_signed:
            raise InvalidTransition(f"letter is already signed ({self.letter_number}); no more paraf")
        if step not in self.kind.paraf_chain:
            raise InvalidTransition(f"a {self.kind.title} takes no paraf of {title}")
        if any(p.step == step for p in self.paraf):
            raise InvalidTransition(f"paraf {title} was already given")
        expected = self.missing_paraf[0]
        if step != expected:
            raise InvalidTransition(f"paraf {PARAF_TITLE[expected]} is needed before {title}")
        self.trigger_event(self.Initialled, step=ParafStep(step).value, by=by, **self._public_identity())

    def check_can_sign(self, by: Actor) -> None:
        """Every reason to refuse the signature, checked before a letter number is taken."""
        if by.role not in self.kind.signers:
            names = ", ".join(r.value for r in self.kind.signers)
            raise NotPermitted(f"a {self.kind.title} is signed by role {names}, not {by.role.value}")
        if self.is_signed:
            raise InvalidTransition(f"letter is already signed ({self.letter_number})")
        if missing := self.missing_paraf:
            names = " and ".join(PARAF_TITLE[s] for s in missing)
            raise InvalidTransition(f"letter needs paraf of {names} before signing")

    def sign(self, letter_number: str, by: Actor) -> None:
        self.check_can_sign(by)
        self.trigger_event(self.Signed, letter_number=letter_number, by=by, **self._public_identity())

    def _public_identity(self) -> dict[str, object]:
        return {"district": self.district, "letter_type": self.letter_type,
                "complaint_id": self.complaint_id, "receipt_number": self.receipt_number}
