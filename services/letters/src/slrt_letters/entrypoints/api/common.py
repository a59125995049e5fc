"""What the routers share: the application from the app state, the roles, bounded uploads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, UploadFile
from slrt_contracts import Role

from ...application import LettersApplication
from ...domain import InvalidLetterRequest

OFFICER_ROLES = (Role.PENGELOLA, Role.FRONT_OFFICE, Role.BACK_OFFICE)
PARAF_ROLES = (Role.KASI, Role.KABID, Role.SEKDIN)
SIGNING_ROLES = (Role.KADIN, Role.SEKDIN)  # the Sekdin signs where the letter type allows
CHAIN_ROLES = (*OFFICER_ROLES, *PARAF_ROLES, Role.KADIN)
# Staff who see a letter: everyone in its chain, and the SLRT manager following up the complaint.
STAFF_ROLES = (*CHAIN_ROLES, Role.MANAGER)


def application(request: Request) -> LettersApplication:
    return request.app.state.application


App = Annotated[LettersApplication, Depends(application)]


def read_upload(upload: UploadFile, limit: int) -> bytes:
    """The uploaded bytes, refusing anything over ``limit`` without reading it all."""
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise InvalidLetterRequest(f"the file is larger than {limit // 1024} KiB")
    return data
