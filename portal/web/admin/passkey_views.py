"""Passkey ceremonies for the pages' small script (static/js/admin-passkey.js): JSON in and
out, each POST carrying the page's CSRF token in X-CSRF-Token. Without JavaScript or without
WebAuthn the buttons stay hidden and the password sign-in is unchanged."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal.access import passkeys, signin
from portal.access.sessions import close_session, open_session
from portal.access.signin import SignInRefused
from portal.access.staff import staff_ctx
from portal.web import csrf, json_error, request_ctx, translate
from portal.web.admin.auth import COOKIE, require_staff, set_session_cookie, signed_in_user
from portal.web.patient.errors import N_
from portal.web.request_body import read_json_object

HEADER = "x-csrf-token"
REFUSED = N_("Cette clé d'accès n'a pas permis de vous connecter.")
NOT_ADDED = N_("La clé d'accès n'a pas été enregistrée. Réessayez.")


def relying_party(request: Request) -> passkeys.RelyingParty:
    base = urlsplit(request.app.state.settings.base_url)
    return passkeys.RelyingParty(id=base.hostname or "", origin=f"{base.scheme}://{base.netloc}")


def _error(request: Request, status: int, message: str) -> JSONResponse:
    text = translate(message, request_ctx(request).locale)
    return json_error(status, "passkey_refused", text, headers={"cache-control": "no-store"})


def _json(body: str | dict, status: int = 200) -> Response:
    if isinstance(body, str):
        return Response(body, status_code=status, media_type="application/json", headers={"cache-control": "no-store"})
    return JSONResponse(body, status_code=status, headers={"cache-control": "no-store"})


def _csrf_ok(request: Request) -> bool:
    return csrf.valid(request, request.headers.get(HEADER))


async def sign_in_options(request: Request) -> Response:
    if not _csrf_ok(request):
        return _error(request, 403, N_("Pour votre sécurité, ce formulaire a expiré. Rechargez la page et recommencez."))
    return _json(await passkeys.authentication_options(request_ctx(request), relying_party(request)))


async def sign_in(request: Request) -> Response:
    if not _csrf_ok(request):
        return _error(request, 403, N_("Pour votre sécurité, ce formulaire a expiré. Rechargez la page et recommencez."))
    _, credential = await read_json_object(request)
    ctx = replace(request_ctx(request), channel="admin")
    try:
        user = await passkeys.authenticate(ctx, credential, relying_party(request),
                                           str(request.app.state.settings.secret_key))
    except SignInRefused as refused:
        return _error(request, 429 if refused.reason == "throttled" else 401, REFUSED)
    await close_session(request.cookies.get(COOKIE))
    token = await open_session(user, ctx.now, ctx.ip, verified=True)
    await signin.signed_in(await staff_ctx(user, ctx.now, ctx.ip, "admin", ctx.locale), user, source="passkey")
    response = _json({"redirect": "/admin/"})
    set_session_cookie(request, response, token)
    return response


async def register_options(request: Request) -> Response:
    ctx = await require_staff(request)
    if not _csrf_ok(request):
        return _error(request, 403, N_("Pour votre sécurité, ce formulaire a expiré. Rechargez la page et recommencez."))
    return _json(await passkeys.registration_options(ctx, signed_in_user(request), relying_party(request)))


async def register(request: Request) -> Response:
    ctx = await require_staff(request)
    if not _csrf_ok(request):
        return _error(request, 403, N_("Pour votre sécurité, ce formulaire a expiré. Rechargez la page et recommencez."))
    _, credential = await read_json_object(request)
    try:
        await passkeys.register(ctx, signed_in_user(request), credential, relying_party(request))
    except passkeys.PasskeyRefused:
        return _error(request, 422, NOT_ADDED)
    return _json({"redirect": "/admin/account/2fa?done=passkey"})
