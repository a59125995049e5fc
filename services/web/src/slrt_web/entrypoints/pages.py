"""Sign-in, sign-out and each role's home."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from ..application.signin import SignInError
from ..domain.people import WEB_ROLES, SignedInUser
from ..settings import SignInMethod
from .i18n import gettext as _
from .rendering import flash, render
from .security import MaybeUser, check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)])


@router.get("/")
def home(request: Request, user: MaybeUser) -> Response:
    if user is None:
        return render(request, "home.html")
    return RedirectResponse(user.home, 303)


def _local(path: str) -> bool:
    """A path of this application only: never //host or /\\host, which browsers read as another site."""
    return path.startswith("/") and not path.startswith(("//", "/\\"))


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "") -> Response:
    return render(request, "sign_in.html", roles=WEB_ROLES, district=request.app.state.settings.district,
                  method=request.app.state.sign_in.method.value, next=next if _local(next) else "")


@router.post("/sign-in")
async def sign_in(request: Request, role: Annotated[str, Form()], region: Annotated[str, Form()] = "",
                  agency: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                  next: Annotated[str, Form()] = "") -> Response:
    if request.app.state.sign_in.method is not SignInMethod.DEVELOPMENT:
        raise HTTPException(404)
    try:
        user = await request.app.state.sign_in.sign_in({"role": role, "region": region, "agency": agency,
                                                         "name": name})
    except SignInError as e:
        flash(request, "error", _("An agency officer signs in with the agency's code (for example dinkes).")
              if str(e) == "agency" else
              _("The service role belongs to the platform's own services; people sign in "
                "with their own role.") if str(e) == "service" else
              _("Choose a role of this application and a region code inside the district.") if str(e) else "")
        return RedirectResponse("/sign-in", 303)
    return _signed_in(request, user, next)


@router.get("/sign-in/start")
async def sign_in_start(request: Request, next: str = "") -> Response:
    """OpenID sign-in: off to the district's login page; ``next`` waits in the session."""
    if request.app.state.sign_in.method is not SignInMethod.OIDC:
        raise HTTPException(404)
    request.session["next"] = next if _local(next) else ""
    return await request.app.state.sign_in.start(request)


@router.get("/sign-in/callback")
async def sign_in_callback(request: Request) -> Response:
    if request.app.state.sign_in.method is not SignInMethod.OIDC:
        raise HTTPException(404)
    try:
        user = await request.app.state.sign_in.finish(request)
    except SignInError as e:
        flash(request, "error", _("Your account has no role of this application in this district; ask the "
                                  "district's administrator.") if str(e) == "role" else
              _("The sign-in did not complete; please try again."))
        return RedirectResponse("/sign-in", 303)
    return _signed_in(request, user, request.session.get("next", ""))


def _signed_in(request: Request, user: SignedInUser, next: str) -> Response:
    csrf = request.session.get("csrf")
    request.session.clear()  # a new session on sign-in: nothing carried over from before
    request.session["user"] = user.to_session()
    if csrf:
        request.session["csrf"] = csrf
    target = next if _local(next) else user.home
    return RedirectResponse(target, 303)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    request.session.clear()
    return await request.app.state.sign_in.sign_out(request)
