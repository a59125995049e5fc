"""HTTP API of rolling a wrong import back: make an older registry version active again, and the
list of such activations (who, when, from which version, why)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, field_validator
from slrt_contracts import Actor, Role, Text
from slrt_runtime.auth import ensure_covers, require_roles

from .registry import IMPORT_ROLES, VERSION_ROLES, App, VersionPath

router = APIRouter(prefix="/registry", tags=["registry"])


class ReactivateRequest(BaseModel):
    reason: Text = Field(min_length=1, max_length=500, examples=["The March extract lacked two sub-districts"],
                         description="Why the version is made active again (kept in the service's history)")

    @field_validator("reason")
    @classmethod
    def _said(cls, value: str) -> str:
        value = " ".join(value.split())
        if len(value) < 5:
            raise ValueError("give the reason in a few words (at least 5 characters)")
        return value


class ActivatedBy(BaseModel):
    id: str
    role: Role
    region: str


class ActivationView(BaseModel):
    activation: int = Field(description="Number of the activation (1, 2, ...)")
    version: str = Field(description="The version made active again")
    previous_version: str | None = Field(description="The version that was active until then")
    activated_at: dt.datetime
    activated_by: ActivatedBy
    reason: str
    added: int = Field(description="People in the version made active who were not in the previous one")
    removed: int
    changed: int
    programme_changes: int


def _view(a: dict) -> ActivationView:
    return ActivationView(activation=a["n"], version=a["version"], previous_version=a["previous"],
                          activated_at=a["activated_at"], activated_by=ActivatedBy.model_validate(a["actor"]),
                          reason=a["reason"], added=a["added"], removed=a["removed"], changed=a["changed"],
                          programme_changes=a["programme_changes"])


@router.post("/versions/{version}/activate", response_model=ActivationView,
             summary="Make an older registry version active again (roll a wrong import back), with the reason")
def reactivate(version: VersionPath, body: ReactivateRequest, app: App,
               actor: Annotated[Actor, Depends(require_roles(*IMPORT_ROLES))]) -> ActivationView:
    ensure_covers(actor, app.settings.district)  # the registry is the district's, as for an import
    return _view(app.reactivate_version(actor, version, body.reason))


@router.get("/activations", response_model=list[ActivationView],
            summary="Older versions made active again, newest first: who, when, from which version, why")
def activations(app: App, _: Annotated[Actor, Depends(require_roles(*VERSION_ROLES))],
                limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[ActivationView]:
    return [_view(a) for a in app.registry.activations(limit)]
