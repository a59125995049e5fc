"""HTTP API of uploaded registry imports: send the extract, then follow its progress and report."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from slrt_contracts import Actor, Text
from slrt_runtime.auth import ensure_covers, require_roles

from .registry import IMPORT_ROLES, ImportReportView
from ...application.uploads import ImportJob, ImportJobs, UploadRefused

router = APIRouter(prefix="/registry/uploads", tags=["registry"])

MAX_UPLOAD = 512 * 1024 * 1024  # a province's extract as XLSX stays well below this
MEDIA = {"text/csv": {"schema": {"type": "string"}},
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string",
                                                                                        "format": "binary"}}}


class ImportJobView(BaseModel):
    job_id: UUID
    filename: str = Field(description="The uploaded file's name (becomes the version's source)")
    size: int = Field(description="Bytes received")
    state: Literal["waiting", "importing", "done", "refused", "failed"]
    rows_total: int | None = Field(description="Data rows in the file (None until counted)")
    rows_read: int
    percent: int = Field(description="0-100; 100 only once the new version is active")
    received_at: dt.datetime
    finished_at: dt.datetime | None
    report: ImportReportView | None = Field(description="The row-level report, once done")
    problem: str | None = Field(description="Why the extract was refused (or the import failed)")


def jobs(request: Request) -> ImportJobs:
    return request.app.state.imports


Jobs = Annotated[ImportJobs, Depends(jobs)]
Operator = Annotated[Actor, Depends(require_roles(*IMPORT_ROLES))]


def _view(job: ImportJob) -> ImportJobView:
    report = ImportReportView.model_validate(job.report, from_attributes=True) if job.report else None
    return ImportJobView(job_id=job.id, filename=job.filename, size=job.size, state=job.state,
                         rows_total=job.rows_total, rows_read=job.rows_read, percent=job.percent,
                         received_at=job.received_at, finished_at=job.finished_at, report=report, problem=job.problem)


@router.post("", response_model=ImportJobView, status_code=202,
             summary="Upload a CSV or XLSX extract (the request body) and import it in the background",
             openapi_extra={"requestBody": {"content": MEDIA, "required": True}})
async def upload(request: Request, response: Response, imports: Jobs, actor: Operator,
                 filename: Annotated[Text, Query(min_length=5, max_length=200, examples=["dtks-1605-2026-03.csv"],
                                                 description="The file's name; .csv or .xlsx")]) -> ImportJobView:
    ensure_covers(actor, request.app.state.settings.district)  # the registry is the district's
    job, path = imports.receive(filename)
    try:
        with path.open("wb") as f:  # streamed to disk: an extract is never held in memory whole
            async for chunk in request.stream():
                job.size += len(chunk)
                if job.size > MAX_UPLOAD:
                    raise UploadRefused(f"the extract is larger than {MAX_UPLOAD // (1024 * 1024)} MB; split it")
                f.write(chunk)
        if job.size == 0:
            raise UploadRefused("the extract is empty")
    except BaseException:
        imports.discard(job)
        raise
    imports.start(job)
    response.headers["Location"] = f"/registry/uploads/{job.id}"
    return _view(job)


@router.get("/{job_id}", response_model=ImportJobView, summary="An upload's progress, then its report")
def progress(job_id: UUID, imports: Jobs, _: Operator, response: Response) -> ImportJobView:
    response.headers["Cache-Control"] = "no-store"
    return _view(imports.get(job_id))
