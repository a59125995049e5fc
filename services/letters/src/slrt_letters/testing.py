"""Scenario helpers for tests of the letters service (and of services that drive it): synthetic
staff and applicants, a letter brought up to the signature."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from slrt_contracts import Actor, Role

from .application import LettersApplication

# Synthetic people (valid NIKs of district 1605, no real person).
NIK = "1605014101900003"  # woman born 1 January 1990
NIK_PBI_PUSAT = "1605011502850007"  # man born 15 February 1985, already in PBI-JK
NAME = "Siti Aminah"


def staff(role: Role, region: str = "1605") -> Actor:
    return Actor(id=f"{role.value}-{region}-01", role=role, region=region)


PENGELOLA, KASI, KABID, SEKDIN, KADIN = (staff(r) for r in (Role.PENGELOLA, Role.KASI, Role.KABID, Role.SEKDIN,
                                                            Role.KADIN))


def person(**overrides: Any) -> dict[str, Any]:
    fields = {"nik": NIK, "citizen_name": NAME, "birth_place": "Muara Beliti", "address": "Dusun II, Desa Lubuk Rumbai",
              "purpose": "Berobat di rumah sakit", "destination": "RSUD Dr. Sobirin", "region": "1605012003",
              "found_location": "Pasar Muara Beliti", "family_card_number": "1605010101900001"}
    fields.update(overrides)
    return fields


def ready_to_sign(app: LettersApplication, letter_type: str = "sktm", **fields: Any) -> UUID:
    """A letter with every document, verified, drafted and initialled along its whole chain."""
    kind = app.catalogue[letter_type]
    letter_id, _ = app.request_letter(actor=PENGELOLA, letter_type=letter_type, fields=person(**fields),
                                      documents_presented=[d.code for d in kind.documents])
    app.draft(letter_id, PENGELOLA)
    for step in kind.paraf_chain:
        app.initial(letter_id, staff(Role(step.value)))
    return letter_id
