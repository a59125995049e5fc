"""The region picker: villages by name inside the officer's area (htmx), from the platform's
reference data, so nobody has to know a 10-digit code by heart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from slrt_reference.regions import regions

from .rendering import render
from .security import User

router = APIRouter()


@router.get("/regions/villages")
def villages(request: Request, user: User, q: Annotated[str, Query(max_length=60)] = "") -> Response:
    found = regions().search(q, within=user.region) if len(q.strip()) >= 2 else []
    return render(request, "partials/villages.html", found=found, q=q)
