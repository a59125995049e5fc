"""HTTP API: complaints (registration, receipt, staff commands and view)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any
from uuid import UUID

import anyio
from fastapi import APIRouter, Depends, Request, Response
from slrt_contracts import Actor, ReceiptNumber
from slrt_runtime.audit import AuditEntry, trail
from slrt_runtime.auth import CurrentActor, require_roles
from slrt_runtime.idempotency import current_call, idempotent_id

from ...application import IntakeApplication, Registered, Submission
from ...domain import REGISTERING_ROLES, ComplaintNotFound
from ...adapters.receipt import receipt_pdf
from ...application.history import STEPS
from . import models as m

router = APIRouter(prefix="/complaints", tags=["complaints"])
_DESK_ID_NAMESPACE = UUID("0b7f5a3e-2f4c-4d8e-9a61-5c3b2e1d7f90")


async def application(request: Request) -> IntakeApplication:  # async: no worker thread for an attribute
    return request.app.state.application


App = Annotated[IntakeApplication, Depends(application)]
Registrar = Annotated[Actor, Depends(require_roles(*REGISTERING_ROLES))]


@router.post("", status_code=201, response_model=m.Receipt,
             summary="Register a complaint and give a receipt (a retried client id answers 200 with the same receipt)")
async def register(body: m.RegisterComplaint, app: App, actor: Registrar) -> Response:
    # The hot command, on the event loop: only the store's writer thread works for it. Only a
    # client-made id (or a replay after a crash) is looked up first, in a worker thread.
    submission = body.submission()
    call = current_call.get()
    if submission.client_id is None and (call is None or not call.replay):
        if call is not None:  # the key was unused when the request came in: so is the id made from it
            submission = replace(submission, client_id=idempotent_id(_DESK_ID_NAMESPACE))
        done = await app.register_new_complaint(actor, submission)
    else:
        done = await anyio.to_thread.run_sync(_register, app, actor, submission)
    receipt = m.Receipt(complaint_id=done.complaint_id, receipt_number=done.receipt_number,
                        queue_number=done.queue_number, tracking_path=f"/public/track/{done.receipt_number}",
                        receipt_pdf_path=f"/complaints/{done.complaint_id}/receipt.pdf")
    # Serialised here: the receipt is of the response model already, FastAPI would validate it again.
    return Response(receipt.model_dump_json(), status_code=201 if done.created else 200,
                    media_type="application/json")


def _register(app: IntakeApplication, actor: Actor, submission: Submission) -> Registered:
    if submission.client_id is None:
        # With an Idempotency-Key the complaint's id derives from it, like a facilitator's own id.
        submission = replace(submission, client_id=idempotent_id(_DESK_ID_NAMESPACE))
    return app.register_complaint(actor, submission)


@router.post("/batch", response_model=m.BatchResult,
             summary="A facilitator's offline captures, each with its own client id; safe to send again")
def register_batch(body: m.Batch, app: App, actor: Registrar) -> dict[str, Any]:
    return {"results": app.register_batch(actor, [item.submission() for item in body.complaints])}


@router.post("/search", response_model=m.OpenComplaints,
             summary="Open complaints of a person, by the NIK in the body (so nothing is recorded twice)")
def search_by_person(body: m.PersonSearch, actor: CurrentActor, request: Request) -> dict[str, Any]:
    return request.app.state.people.open_complaints(body.nik, actor)


@router.get("/by-receipt/{receipt_number}", response_model=m.ComplaintView)
def read_by_receipt(receipt_number: ReceiptNumber, app: App, actor: CurrentActor, request: Request) -> dict[str, Any]:
    complaint_id = request.app.state.queues.complaint_id_by_receipt(receipt_number)
    if complaint_id is None:
        raise ComplaintNotFound(f"no complaint with receipt number {receipt_number}")
    return app.view(complaint_id, actor)


@router.get("/{complaint_id}", response_model=m.ComplaintView,
            summary="The complaint as staff see it, with what to tell the citizen")
def read(complaint_id: UUID, app: App, actor: CurrentActor) -> dict[str, Any]:
    return app.view(complaint_id, actor)


@router.get("/{complaint_id}/history", response_model=list[AuditEntry],
            summary="The complaint's audit trail: every step, who took it (role, region), when, at which level; "
                    "no NIK, name or contact")
def history(complaint_id: UUID, app: App, actor: CurrentActor) -> list[dict[str, Any]]:
    app.ensure_scope(actor, app.load(complaint_id))
    return trail(app, complaint_id, STEPS)


@router.get("/{complaint_id}/receipt.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}}, summary="Printable receipt (resi keluhan)")
def receipt(complaint_id: UUID, app: App, actor: CurrentActor) -> Response:
    pdf = receipt_pdf(app, complaint_id, actor)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="receipt-{complaint_id}.pdf"'})


@router.post("/{complaint_id}/answer", response_model=m.ComplaintView,
             summary="Answer a question at the desk and close it (proportional handling)")
def answer(complaint_id: UUID, body: m.Answer, app: App, actor: CurrentActor) -> dict[str, Any]:
    return app.answer_question(complaint_id, actor, body.answer)


@router.post("/{complaint_id}/assess", response_model=m.ComplaintView,
             summary="Review and analysis: map the complaint and hand it to the level that handles it")
def assess(complaint_id: UUID, body: m.Assess, app: App, actor: CurrentActor) -> dict[str, Any]:
    return app.assess(complaint_id, actor, field=body.field, programmes_needed=body.programmes_needed, note=body.note)


@router.post("/{complaint_id}/escalate", response_model=m.ComplaintView, summary="Pass the case up one level")
def escalate(complaint_id: UUID, body: m.Escalate, app: App, actor: CurrentActor) -> dict[str, Any]:
    return app.escalate(complaint_id, actor, body.reason)


@router.post("/{complaint_id}/resolve", response_model=m.ComplaintView,
             summary="Record the outcome and the complainant's satisfaction; opens the appeal window")
def resolve(complaint_id: UUID, body: m.Resolve, app: App, actor: CurrentActor) -> dict[str, Any]:
    return app.resolve(complaint_id, actor, outcome=body.outcome, satisfaction=body.satisfaction, note=body.note)


@router.post("/{complaint_id}/appeal", response_model=m.ComplaintView,
             summary="The complainant appeals within the window: the case reopens one level up")
def appeal(complaint_id: UUID, body: m.Appeal, app: App, actor: CurrentActor) -> dict[str, Any]:
    return app.appeal(complaint_id, actor, body.reason)


@router.post("/{complaint_id}/consent", response_model=m.ComplaintView,
             summary="Record the complainant's consent (or its withdrawal) to disclose the identity")
def consent(complaint_id: UUID, body: m.Consent, app: App, actor: CurrentActor) -> dict[str, Any]:
    return app.record_consent(complaint_id, actor, body.consent_to_disclose)
