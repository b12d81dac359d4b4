"""Small helpers shared by routes: the request's acting context, client address, locale, JSON errors."""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import JSONResponse

from portal import clock
from portal.context import Actor, ActorKind, Ctx
from portal.i18n import negotiate, translations


def request_ctx(request: Request) -> Ctx:
    """Who acts in this request, built once per request: a visitor of the pages or the API (a
    patient once a manage token is presented, see as_patient), or a provider on /webhooks/.
    The time is read once here, from portal.clock: a test freezes every route by pinning
    `portal.clock.utcnow`, and use cases take `ctx.now`, never the clock."""
    cached = getattr(request.state, "ctx", None)
    if cached is not None:
        return cached
    path = request.url.path
    now = clock.utcnow()
    if path.startswith("/webhooks/"):
        actor, channel = Actor(ActorKind.PROVIDER, path.split("/")[2]), "sms"
    else:
        actor, channel = Actor(ActorKind.VISITOR), "api" if path.startswith("/api/") else "web"
    ctx = Ctx(actor, now, channel=channel, ip=client_ip(request), locale=request_locale(request))
    request.state.ctx = ctx
    return ctx


def as_patient(request: Request) -> Ctx:
    """The request's context for a route reached with a manage token."""
    return replace(request_ctx(request), actor=Actor(ActorKind.PATIENT))


def client_ip(request: Request) -> str:
    """The peer's address. Behind a proxy (TRUST_FORWARDED_FOR), uvicorn's proxy-headers
    handling has already put the client here, taking X-Forwarded-For from the right and only
    from proxies in FORWARDED_ALLOW_IPS; the leftmost entry is whatever the client claimed."""
    return request.client.host if request.client else ""


def request_locale(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get("lang")
    return negotiate(request.headers.get("accept-language"), wanted)


def translate(message: str, locale: str) -> str:
    return translations(locale).gettext(message)


def json_error(status: int, code: str, message: str, fields: dict | None = None, headers=None, **extra) -> JSONResponse:
    # `fields` is always there ({} when no field is at fault): one shape for every error.
    error = {"code": code, "message": message, "fields": fields or {}}
    error.update(extra)
    return JSONResponse({"error": error}, status_code=status, headers=headers)
