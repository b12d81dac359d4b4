"""The Starlette application: routes from each package, error handling, lifespan.

This is the composition root: it imports the surfaces of `portal`, `notifier` and
`calendar_sync` plainly and mounts them; none of them imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import calendar_sync.admin_views
import calendar_sync.routes
import calendar_sync.sync
import notifier.admin_views
import notifier.preview_views
import notifier.webhooks
import notifier.worker
from creneau import database, health, maintenance
from portal import log_redaction
from portal.errors import DomainError, SlotTaken
from portal.patients.input import FieldErrors
from portal.settings import Settings
from portal.web import json_error, request_locale, text_guard, translate
from portal.web.admin import auth as admin_auth, photo_views, routes as admin_routes
from portal.web.admin.oidc import OidcStateSession
from portal.web.api import routes as api_routes
from portal.web.patient import routes as patient_routes
from portal.web.privacy import routes as privacy_routes
from portal.web.ratelimit import RateLimiter, Throttles, retry_after
from portal.web.request_body import BodyLimit
from portal.web.security import SecurityHeadersMiddleware, security_headers
from portal.web.text_guard import RefuseUnstorableText

log = logging.getLogger("creneau")

ROUTES = [Route("/healthz", health.healthz), Route("/photos/{digest}.jpg", photo_views.serve, methods=["GET"]),
          *api_routes.routes, *privacy_routes.routes,
          *patient_routes.routes, *admin_routes.routes, *calendar_sync.routes.routes,
          *calendar_sync.admin_views.routes, *notifier.admin_views.routes, *notifier.preview_views.routes,
          *notifier.webhooks.routes]
# Loops that `creneau serve` runs inside the web process on SQLite (one command, a whole system).
BACKGROUND_LOOPS = [notifier.worker.run_loop, calendar_sync.sync.run_loop]


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/webhooks/", "/feeds/")) or path == "/healthz" or "application/json" in request.headers.get("accept", "")


def field_errors_response(request: Request, exc: FieldErrors) -> Response:
    locale = request_locale(request)
    fields = {name: translate(message, locale) for name, message in exc.fields.items()}
    return json_error(422, "invalid_fields", translate("Certains champs sont à corriger.", locale), fields)


def domain_error_response(request: Request, exc: DomainError) -> Response:
    locale = request_locale(request)
    message = exc.translated(lambda text: translate(text, locale))
    if not _wants_json(request):
        return _html_error(request, exc.status, message)
    extra = {}
    if isinstance(exc, SlotTaken):
        extra["nearest"] = [start.isoformat() for start in exc.nearest]
    wait = getattr(exc, "wait", None)  # a limit says when to come back
    return json_error(exc.status, exc.code, message, headers=retry_after(wait) if wait else None, **extra)


def _html_error(request: Request, status: int, message: str) -> Response:
    from portal.web.patient.errors import error_page  # imported late: the pages import this module's peers

    return error_page(request, status, message)


async def _field_errors(request: Request, exc: FieldErrors) -> Response:
    return field_errors_response(request, exc)


async def _domain_error(request: Request, exc: DomainError) -> Response:
    return domain_error_response(request, exc)


async def _signed_out_of_admin(request: Request, exc: HTTPException) -> Response | None:
    """Under /admin/, an address no route has (or a method it does not take) sends a signed-out
    visitor to the sign-in page, as every back-office page does: nothing about which addresses
    exist is told before signing in. A 404 a view gives (an unknown invitation) stays a 404."""
    unrouted = exc.status_code == 405 or (exc.status_code == 404 and "endpoint" not in request.scope)
    if not (unrouted and request.url.path.startswith("/admin/")):
        return None
    try:
        await admin_auth.require_staff(request)
    except admin_auth.SignInRequired as signed_out:
        return await admin_auth.EXCEPTION_HANDLERS[admin_auth.SignInRequired](request, signed_out)
    except admin_auth.SecondFactorRequired:
        pass  # signed in: what is not there is "not found" to them
    return None


async def _http_error(request: Request, exc: HTTPException) -> Response:
    redirect = await _signed_out_of_admin(request, exc)
    if redirect is not None:
        return redirect
    locale = request_locale(request)
    messages = {404: "Page introuvable.", 405: "Méthode non autorisée.", 413: "La requête est trop volumineuse.",
                415: "Envoyez le corps de la requête en JSON (Content-Type: application/json)."}
    message = translate(messages.get(exc.status_code, "La requête n'a pas pu aboutir."), locale)
    if not _wants_json(request):
        return _html_error(request, exc.status_code, message)
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}.get(exc.status_code, "http_error")
    return json_error(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _server_error(request: Request, exc: Exception) -> Response:
    # Logged with its trace for the operator; the caller sees no detail.
    log.exception("unhandled error on %s %s", request.method, log_redaction.redact_path(request.url.path))
    if not _wants_json(request):
        response = _html_error(request, 500, "Une erreur est survenue. Réessayez dans un instant.")
    else:
        message = translate("Une erreur est survenue.", request_locale(request))
        response = json_error(500, "internal_error", message)
    # This answer comes from Starlette's outermost layer, outside SecurityHeadersMiddleware.
    settings = request.app.state.settings
    for name, value in security_headers(settings.frame_ancestors, settings.base_url.startswith("https://")).items():
        response.headers.setdefault(name, value)
    response.headers["cache-control"] = "no-store"
    return response


async def _unstorable_text(request: Request, status: int, fields: dict[str, str]) -> Response:
    """portal.web.text_guard's refusal of a path or query parameter, in the usual error shapes."""
    if status == 404:
        return await _http_error(request, HTTPException(404))
    if _wants_json(request):
        return field_errors_response(request, FieldErrors(fields))
    return _html_error(request, 400, translate(text_guard.MESSAGE, request_locale(request)))
async def _announce_demo_admin(settings: Settings) -> None:
    """On the demo only (its practice loaded, its administrator's published password unchanged)."""
    from portal.access.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, demo_admin_still_open

    if await demo_admin_still_open():
        log.info("demo back-office: %s/admin/login as %s / %s", settings.base_url, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)


def create_app(settings: Settings, *, manage_db: bool = True, run_background: bool | None = None) -> Starlette:
    """`manage_db=False` when the caller (tests, benchmarks) opened the database itself.
    `run_background` defaults to INLINE_WORKERS (on SQLite only, unless set)."""
    if run_background is None:
        run_background = settings.run_inline_workers

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_db:
            if settings.is_sqlite:
                await database.migrate(settings.database_url)
                await database.close()
            await database.init(settings.database_url)
            await _announce_demo_admin(settings)
        stop = asyncio.Event()
        loops = [maintenance.run_loop, maintenance.release_holds_loop] + (BACKGROUND_LOOPS if run_background else [])
        tasks = [asyncio.create_task(loop(settings, stop)) for loop in loops]
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, timeout=10)
            if manage_db:
                await database.close()

    app = Starlette(
        routes=ROUTES,
        lifespan=lifespan,
        exception_handlers={
            FieldErrors: _field_errors,
            DomainError: _domain_error,
            HTTPException: _http_error,
            Exception: _server_error,
            **admin_auth.EXCEPTION_HANDLERS,
        },
    )
    log_redaction.install()
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes, wider=photo_views.WIDER_BODIES)
    app.add_middleware(RefuseUnstorableText, refuse=_unstorable_text)
    app.add_middleware(OidcStateSession, secret_key=str(settings.secret_key),
                       https=settings.base_url.startswith("https://"))
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors,
                       https=settings.base_url.startswith("https://"))
    app.state.settings = settings
    app.state.throttles = Throttles(settings.booking_rate_limit)
    app.state.privacy_ip_limiter = RateLimiter(settings.privacy_ip_rate_limit)
    app.state.privacy_address_limiter = RateLimiter(settings.privacy_link_rate_limit)
    app.state.field_errors_response = field_errors_response
    app.state.domain_error_response = domain_error_response
    return app
