"""The prelist (people proposed for DTKS) and verivali: the proposals of one's area by status, the
step each role takes (supervisor reviews, manager recommends, facilitator or Puskesos verifies in the
field, each may reject with a reason), the batch export for the ministry system and the import of
the ministry's decisions."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ..adapters.services import Refused
from ..application.prelist import DECIDERS, EXPORTERS, PROPOSERS, REASONS, STEPS, proposal_body, step_for
from .i18n import gettext as _
from .rendering import document, flash, refusal_text, render
from .security import User, check_csrf

router = APIRouter(prefix="/dtks/prelist", dependencies=[Depends(check_csrf)])

STATUSES = ("proposed", "reviewed", "recommended", "verified", "rejected", "exported", "accepted", "refused")
MAX_DECISIONS = 10_000_000


@router.get("")
async def proposals(request: Request, user: User, status: str = "", batch: UUID | None = None) -> Response:
    chosen = status if status in STATUSES else ""
    items = await request.app.state.services.dtks.proposals(user.token, chosen or None)
    rows = [(p, step_for(user.role, p)) for p in items]
    return render(request, "dtks/prelist.html", rows=rows, chosen=chosen, statuses=STATUSES, reasons=REASONS,
                  exports=user.role in EXPORTERS, decides=user.role in DECIDERS, batch=batch,
                  proposes=user.role in PROPOSERS)


@router.get("/new")
def new_proposal(request: Request, user: User) -> Response:
    village = user.region if len(user.region) == 10 else ""
    return render(request, "dtks/propose.html", form={"village": village, "household_members": "1"}, errors=[])


@router.post("/new")
async def propose(request: Request, user: User) -> Response:
    """Someone not in DTKS (a walk-in, a household the facilitator met) proposed for the prelist; the
    dtks service refuses a person already in DTKS or already proposed, and says so."""
    form = await request.form()
    try:
        await request.app.state.services.dtks.propose(user.token, proposal_body(form))
    except Refused as e:
        errors = [f"{field}: {problem}" for field, problem in e.refusal.fields]
        flash(request, "error", refusal_text(e.refusal))
        return render(request, "dtks/propose.html", status_code=e.refusal.status, form=dict(form), errors=errors)
    flash(request, "ok", _("The person is proposed for DTKS; the supervisor reviews the proposal next."))
    return RedirectResponse("/dtks/prelist?status=proposed", 303)


@router.post("/{proposal_id}/{step}")
async def take_step(request: Request, proposal_id: UUID, step: str, user: User) -> Response:
    if step not in STEPS:
        raise HTTPException(404)
    form = await request.form()
    body = STEPS[step].body(form)
    back = f"/dtks/prelist?status={STEPS[step].status}"
    if body.get("reason") is None and (body.get("approve") is False or body.get("result") == "rejected"):
        flash(request, "error", _("Choose the reason of the rejection."))
        return RedirectResponse(back, 303)
    try:
        await request.app.state.services.dtks.prelist_step(user.token, str(proposal_id), step, body)
    except Refused as e:
        flash(request, "error", refusal_text(e.refusal))
    else:
        flash(request, "ok", _(f"prelist-done:{step}"))
    return RedirectResponse(back, 303)


@router.post("/batches")
async def export(request: Request, user: User) -> Response:
    try:
        batch = await request.app.state.services.dtks.export_batch(user.token)
    except Refused as e:
        flash(request, "error", refusal_text(e.refusal))
        return RedirectResponse("/dtks/prelist?status=verified", 303)
    flash(request, "ok", _("%(n)s verified proposals exported as one batch for the ministry system.")
          % {"n": batch["proposals"]})
    return RedirectResponse(f"/dtks/prelist?status=exported&batch={batch['batch_id']}", 303)


@router.get("/batches/{batch_id}.csv")
async def batch_file(request: Request, batch_id: UUID, user: User) -> Response:
    csv = await request.app.state.services.dtks.batch_file(user.token, str(batch_id))
    return document(csv, "text/csv", f"prelist-{batch_id}.csv", attachment=True)


@router.post("/decisions")
async def decisions(request: Request, user: User) -> Response:
    upload = (await request.form()).get("decisions")
    if upload is None or isinstance(upload, str) or not upload.filename:
        flash(request, "error", _("Choose the ministry's decisions file (CSV) first."))
        return RedirectResponse("/dtks/prelist?status=exported", 303)
    content = await upload.read(MAX_DECISIONS + 1)
    try:
        result = await request.app.state.services.dtks.decisions(user.token, content)
    except Refused as e:
        flash(request, "error", refusal_text(e.refusal))
        return RedirectResponse("/dtks/prelist?status=exported", 303)
    return render(request, "dtks/decisions.html", result=result)
