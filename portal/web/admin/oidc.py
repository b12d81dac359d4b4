"""Signing in with an OpenID Connect provider (authlib's Starlette client, discovery).

authlib checks the state (kept in a short-lived session cookie sent only under /admin/oidc), the
nonce, the signature against the provider's keys, the issuer, the audience and the expiry of the
ID token. An account is matched by the provider's (issuer, subject) once linked, else by a
verified e-mail address, and then linked. No account is ever created from a provider's answer.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from urllib.parse import urlsplit

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from portal.access import signin
from portal.access.models import StaffUser
from portal.access.sessions import close_session, open_session
from portal.access.staff import staff_ctx
from portal.web import request_ctx
from portal.web.admin.auth import COOKIE, LOGIN_PATH, set_session_cookie
from portal.web.patient.errors import N_

log = logging.getLogger("creneau.oidc")
PREFIX = "/admin/oidc"
CALLBACK = PREFIX + "/callback"
STATE_COOKIE = "creneau_oidc"
ERRORS = {
    "oidc": N_("La connexion par votre fournisseur d'identité n'a pas abouti. Réessayez, ou utilisez votre mot de passe."),
    "oidc_unknown": N_("Aucun compte de l'espace cabinet ne correspond à cette identité. Demandez à l'administrateur du cabinet de vous en créer un."),
}


class OidcStateSession:
    """Starlette's SessionMiddleware (authlib keeps state and nonce in it), only under
    /admin/oidc: no other page, patient or staff, gets its cookie."""

    def __init__(self, app: ASGIApp, secret_key: str, https: bool) -> None:
        self.app = app
        self.with_session = SessionMiddleware(app, secret_key=secret_key, session_cookie=STATE_COOKIE,
                                              max_age=600, path=PREFIX, same_site="lax", https_only=https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["path"] + "/").startswith(PREFIX + "/"):
            await self.with_session(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def configured(request: Request) -> bool:
    return bool(request.app.state.settings.oidc_issuer)


def provider_name(request: Request) -> str | None:
    settings = request.app.state.settings
    if not settings.oidc_issuer:
        return None
    return settings.oidc_provider_name or urlsplit(settings.oidc_issuer).hostname


def _client(request: Request):
    """One authlib client per app, built on first use (tests put an in-process transport in
    app.state.oidc_client_kwargs first)."""
    state = request.app.state
    if getattr(state, "oidc", None) is None:
        settings = state.settings
        oauth = OAuth()
        oauth.register(
            "provider", client_id=settings.oidc_client_id, client_secret=str(settings.oidc_client_secret),
            server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "timeout": 10,
                           **getattr(state, "oidc_client_kwargs", {})},
        )
        state.oidc = oauth.create_client("provider")
    return state.oidc


def _failed(code: str = "oidc") -> Response:
    return RedirectResponse(f"{LOGIN_PATH}?error={code}", status_code=303)


async def start(request: Request) -> Response:
    if not configured(request):
        return RedirectResponse(LOGIN_PATH, status_code=303)
    redirect_uri = request.app.state.settings.base_url + CALLBACK
    try:
        return await _client(request).authorize_redirect(request, redirect_uri)
    except (httpx2.HTTPError, OAuthError, ValueError, KeyError, RuntimeError) as error:
        log.warning("OpenID Connect provider unreachable or malformed: %s %s", type(error).__name__, error)
        return _failed()


async def callback(request: Request) -> Response:
    if not configured(request):
        return RedirectResponse(LOGIN_PATH, status_code=303)
    settings = request.app.state.settings
    ctx = replace(request_ctx(request), channel="admin")
    issuer = settings.oidc_issuer
    try:
        # The issuer must be the configured one (not just what discovery says), and the audience
        # this client: authlib alone accepts another audience when `azp` names this client.
        token = await _client(request).authorize_access_token(request, claims_options={
            "iss": {"essential": True, "values": [issuer]},
            "aud": {"essential": True, "values": [settings.oidc_client_id]}})
    except (httpx2.HTTPError, OAuthError, JoseError, ValueError, KeyError, RuntimeError) as error:
        log.info("OpenID Connect sign-in refused: %s %s", type(error).__name__, error)
        await signin.refuse(ctx, "oidc", None, source="oidc")
        return _failed()
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):  # no ID token: not an OpenID Connect answer
        await signin.refuse(ctx, "oidc", None, source="oidc")
        return _failed()
    user = await match_account(issuer, claims)
    if user is None:
        await signin.refuse(ctx, "oidc", None, source="oidc")
        return _failed("oidc_unknown")
    await close_session(request.cookies.get(COOKIE))
    session_token = await open_session(user, ctx.now, ctx.ip, verified=True)
    await signin.signed_in(await staff_ctx(user, ctx.now, ctx.ip, "admin", ctx.locale), user, source="oidc")
    response = RedirectResponse("/admin/", status_code=303)
    set_session_cookie(request, response, session_token)
    return response


async def match_account(issuer: str, claims: dict) -> StaffUser | None:
    subject = str(claims["sub"])[:255]
    user = await StaffUser.get_or_none(oidc_issuer=issuer, oidc_subject=subject)
    if user is None and claims.get("email") and claims.get("email_verified") is True:
        candidate = await StaffUser.get_or_none(email=signin.normalise_email(str(claims["email"])))
        # An account already linked to another identity of this provider is not taken over.
        if candidate is not None and not candidate.oidc_subject:
            await StaffUser.filter(id=candidate.id).update(oidc_issuer=issuer, oidc_subject=subject)
            user = candidate
    if user is None or user.disabled:
        return None
    return user
