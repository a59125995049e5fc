"""The monthly collective BPJS batch of KIS PBI-Daerah enrolments and deactivations."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Path, Response, UploadFile
from slrt_contracts import Actor, Role
from slrt_runtime.auth import ensure_covers, require_roles

from .common import App, read_upload

router = APIRouter(prefix="/bpjs/batches", tags=["bpjs"])

# Lumajang SOPs 15 and 18: the officer sends, the Kasi and/or Kabid Linjamsos reconcile with BPJS.
BatchStaff = Annotated[Actor, Depends(require_roles(Role.PENGELOLA, Role.KASI, Role.KABID))]
Period = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="The batch month, YYYY-MM", examples=["2026-11"])]


@router.get("/{period}", summary="The batch of a month (YYYY-MM): its requests and their BPJS answers")
def read(period: Period, app: App, actor: BatchStaff) -> dict[str, Any]:
    ensure_covers(actor, app.settings.district)
    return app.get_batch(period)


@router.post("/{period}/close", summary="Close the month's batch and make its file for BPJS (also done monthly)")
def close(period: Period, app: App, actor: BatchStaff) -> dict[str, Any]:
    ensure_covers(actor, app.settings.district)
    return app.close_batch(period, actor)


@router.get("/{period}/file.{fmt}", response_class=Response, summary="The batch file for BPJS (csv or xlsx)")
def file(period: Period, fmt: Literal["csv", "xlsx"], app: App, actor: BatchStaff) -> Response:
    ensure_covers(actor, app.settings.district)
    name, data = app.batch_file(period, fmt)
    media = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/{period}/reconciliation", summary="Apply BPJS's reconciliation file (CSV or XLSX)")
def reconcile(period: Period, app: App, actor: BatchStaff, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    ensure_covers(actor, app.settings.district)
    data = read_upload(file, app.settings.letters_max_upload_bytes)
    return app.reconcile(period, data, actor, file.filename or "reconciliation")
