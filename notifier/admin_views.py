"""The back-office's message log (issue 14 item 8): every message of the practice with its kind,
channel, status, attempts, last error and dates, never a body; retry a failed one; send a test
e-mail or SMS through the outbox to check the configuration. Thin: the use cases are
portal.messaging.log and notifier.admin (the retry clears the worker's strikes, which are the
notifier's: these pages live here, not in portal.web.admin)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from notifier import admin
from portal import access
from portal.errors import FieldErrors, NotFound
from portal.messaging import log
from portal.messaging.config_check import queue_config_check
from portal.web import csrf
from portal.web.admin.auth import require_staff
from portal.web.admin.forms import practice_tz
from portal.web.admin.pages import admin_page, form_expired
from portal.web.request_body import read_form

MESSAGES = "/admin/messages"
CANNOT_RETRY = "Ce message ne peut plus être renvoyé (déjà envoyé, annulé, ou son rendez-vous est passé)."


def _cursor(raw: str | None) -> int | None:
    """A message id to page from; anything else (past int32: PostgreSQL refused it) is ignored."""
    value = int(raw) if raw is not None and raw.isascii() and raw.isdecimal() and len(raw) <= 12 else None
    return value if access.is_id(value) else None


async def _page(request: Request, ctx, *, status: str = "", before: int | None = None, after: int | None = None,
                done: str | None = None, error: str | None = None, code: int = 200) -> Response:
    return admin_page(request, "admin/messages.html", {
        "log": await log.message_log(ctx, status, before=before, after=after), "status": status,
        "statuses": log.STATUSES,
        "retryable": {s.value for s in log.RETRYABLE}, "done": done, "error": error, "tz": await practice_tz(ctx),
    }, status=code)


async def show(request: Request) -> Response:
    ctx = await require_staff(request)
    status = request.query_params.get("status", "")
    return await _page(request, ctx, status=status if status in log.STATUSES else "",
                       before=_cursor(request.query_params.get("before")),
                       after=_cursor(request.query_params.get("after")), done=request.query_params.get("done"))


async def send_test(request: Request) -> Response:
    ctx = await require_staff(request)
    access.require_admin(ctx)
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    try:
        await queue_config_check(ctx, str(form.get("channel", ""))[:10])
    except FieldErrors as exc:
        return await _page(request, ctx, error=exc.fields["channel"], code=422)
    return RedirectResponse(MESSAGES + "?done=test", status_code=303)


async def retry(request: Request) -> Response:
    ctx = await require_staff(request)
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    raw = request.path_params["message_id"]
    message_id = int(raw) if raw.isdecimal() and len(raw) <= 10 else 0
    if not access.is_id(message_id):
        raise NotFound("Message introuvable.")
    try:
        await admin.retry_message(message_id, ctx.now, ctx=ctx)
    except admin.CannotRetry as exc:
        if "no message" in str(exc):
            raise NotFound("Message introuvable.") from None
        return await _page(request, ctx, error=CANNOT_RETRY, code=409)
    return RedirectResponse(MESSAGES + "?done=retried", status_code=303)


routes = [
    Route(MESSAGES, show, methods=["GET"]),
    Route(MESSAGES + "/test", send_test, methods=["POST"]),
    Route(MESSAGES + "/{message_id}/retry", retry, methods=["POST"]),
]
