"""Signing in and out: e-mail and password, then a TOTP or recovery code when the account has
one. A refusal answers the same page, status and words whatever was wrong (unknown address,
wrong password, disabled account), after the same argon2 work."""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.access import signin
from portal.access.sessions import close_session, open_session
from portal.access.signin import SignInRefused
from portal.access.staff import staff_ctx
from portal.context import Ctx
from portal.web import csrf, request_ctx
from portal.web.admin import oidc
from portal.web.admin.auth import (
    CODE_PATH,
    COOKIE,
    LOGIN_PATH,
    clear_session_cookie,
    current_session,
    require_staff,
    set_session_cookie,
    signed_in_user,
)
from portal.web.admin.pages import admin_page, form_expired
from portal.web.patient.errors import N_

HOME = "/admin/"
REFUSALS = {
    "invalid": (401, N_("Adresse e-mail ou mot de passe incorrect.")),
    "throttled": (429, N_("Trop de tentatives. Réessayez dans un quart d'heure.")),
}
CODE_REFUSALS = {
    "invalid": (401, N_("Ce code n'est pas valable. Saisissez le code affiché maintenant, ou un code de secours.")),
    "throttled": REFUSALS["throttled"],
}
DONE = {"signed_out": N_("Vous êtes déconnecté."), "expired": N_("Votre session a expiré. Reconnectez-vous."),
        "invited": N_("Votre compte est créé : connectez-vous avec votre adresse et votre mot de passe.")}


def _ctx(request: Request) -> Ctx:
    return replace(request_ctx(request), channel="admin")


def _secret_key(request: Request) -> str:
    return str(request.app.state.settings.secret_key)


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


async def login_page(request: Request, *, error: str | None = None, status: int = 200, email: str = "") -> Response:
    done = DONE.get(request.query_params.get("done", ""))
    oidc_error = oidc.ERRORS.get(request.query_params.get("error", ""))
    return admin_page(request, "admin/login.html", {
        "email": email, "error": error or oidc_error, "done": done if not error else None,
        "provider": oidc.provider_name(request),
    }, status=status)


async def login_form(request: Request) -> Response:
    session = await current_session(request)
    if session is not None and session.row.verified:
        return _redirect(HOME)
    return await login_page(request)


async def login(request: Request) -> Response:
    form = await request.form()
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    email, password = str(form.get("email", ""))[:300], str(form.get("password", ""))
    ctx = _ctx(request)
    try:
        user = await signin.check_password(ctx, email, password, _secret_key(request))
    except SignInRefused as refused:
        status, message = REFUSALS[refused.reason]
        page = await login_page(request, error=message, status=status, email=email.strip())
        if status == 429:
            page.headers["retry-after"] = str(int(signin.WINDOW.total_seconds()))
        return page
    # Whatever session this browser had ends here: a new token at every sign-in.
    await close_session(request.cookies.get(COOKIE))
    if user.has_totp:
        token = await open_session(user, ctx.now, ctx.ip, verified=False)
        response = _redirect(CODE_PATH)
    else:
        token = await open_session(user, ctx.now, ctx.ip, verified=True)
        await signin.signed_in(await staff_ctx(user, ctx.now, ctx.ip, "admin", ctx.locale), user, source="password")
        response = _redirect(HOME)
    set_session_cookie(request, response, token)
    return response


async def code_form(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return _redirect(LOGIN_PATH)
    if session.row.verified:
        return _redirect(HOME)
    return admin_page(request, "admin/login_code.html", {"error": None})


async def code(request: Request) -> Response:
    form = await request.form()
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    session = await current_session(request)
    if session is None or session.row.verified:
        return _redirect(LOGIN_PATH if session is None else HOME)
    ctx, user = _ctx(request), session.user
    try:
        how = await signin.check_second_factor(ctx, user, str(form.get("code", ""))[:64], _secret_key(request))
    except SignInRefused as refused:
        status, message = CODE_REFUSALS[refused.reason]
        return admin_page(request, "admin/login_code.html", {"error": message}, status=status)
    await session.row.delete()  # the half-signed-in token is replaced, never promoted
    token = await open_session(user, ctx.now, ctx.ip, verified=True)
    await signin.signed_in(await staff_ctx(user, ctx.now, ctx.ip, "admin", ctx.locale), user,
                           source=f"password+{how}")
    response = _redirect(HOME)
    set_session_cookie(request, response, token)
    return response


async def logout_page(request: Request) -> Response:
    """The address typed or bookmarked: a page with the button. Signing out itself is a POST
    with the CSRF token, so that a link elsewhere cannot sign anyone out."""
    await require_staff(request)
    return admin_page(request, "admin/logout.html")


async def logout(request: Request) -> Response:
    ctx = await require_staff(request)
    form = await request.form()
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    await close_session(request.cookies.get(COOKIE))
    await signin.signed_out(ctx, signed_in_user(request))
    response = _redirect(LOGIN_PATH + "?done=signed_out")
    clear_session_cookie(request, response)
    return response


async def home(request: Request) -> Response:
    await require_staff(request)
    return admin_page(request, "admin/home.html")
