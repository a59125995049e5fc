"""Templates (Jinja2 with the i18n extension) and the few helpers every page uses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from slrt_reference.regions import regions

from ..domain.complaint_form import CHOICES, PROGRAMMES
from ..domain.people import SignedInUser
from ..domain.refusals import Refusal, explain
from .i18n import gettext, translations
from .security import csrf_token

TEMPLATES = Path(__file__).resolve().parent / "templates"
WIB = ZoneInfo("Asia/Jakarta")  # the embedded default's district (Musi Rawas) is in WIB


def when(value: Any, with_time: bool = True) -> str:
    """Dates as Indonesians write them, in local time."""
    if not value:
        return "-"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(WIB)
        return value.strftime("%d-%m-%Y %H:%M" if with_time else "%d-%m-%Y")
    return str(value)


def label(kind: str, value: Any) -> str:
    """A code shown in words: ``label('status', 'in_handling')`` → the catalogue's text for
    ``status:in_handling``; an unknown code is shown as it is."""
    if value is None or value == "":
        return "-"
    key = f"{kind}:{value}"
    text = gettext(key)
    return str(value) if text == key else text


def place(code: str | None) -> str:
    """A region code in words, from the reference data: ``Wonokerto, Tugumulyo, Kabupaten Musi Rawas``."""
    return regions().describe(code) if code else "-"


def village_name(code: str | None) -> str:
    """Just the village's (or area's) own name, or the code when the reference data lacks it."""
    return (regions().name(code) or code) if code else "-"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "xml"]),
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(), newstyle=True)  # type: ignore[attr-defined]
    env.filters["when"] = when
    env.globals.update(label=label, place=place, village_name=village_name, CHOICES=CHOICES, PROGRAMMES=PROGRAMMES)
    return env


templates = Jinja2Templates(env=_environment())


def flash(request: Request, kind: str, text: str) -> None:
    request.session.setdefault("flash", []).append([kind, text])


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    user = SignedInUser.from_session(request.session.get("user"))
    messages = request.session.pop("flash", [])
    return templates.TemplateResponse(request, template, {
        "user": user, "csrf": csrf_token(request), "messages": messages, **context},
        status_code=status_code, headers={"Cache-Control": "no-store"})


def refusal_text(refusal: Refusal) -> str:
    return explain(refusal, gettext)


def document(content: bytes, media_type: str, filename: str, *, attachment: bool = False) -> Response:
    """A file fetched from a service for the officer (receipt, letter, batch, report): personal data,
    so no cache keeps it; shown in the browser, or saved when ``attachment``."""
    disposition = "attachment" if attachment else "inline"
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"', "Cache-Control": "no-store"})
