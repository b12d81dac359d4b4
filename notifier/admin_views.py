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
from portal.errors import NotFound
from portal.messaging import log
from portal.web import csrf
from portal.web.admin.auth import require_staff
from portal.web.admin.pages import admin_page, form_expired
from portal.web.request_body import read_form

MESSAGES = "/admin/messages"
CANNOT_RETRY = "Ce message ne peut plus être renvoyé (déjà envoyé, annulé, ou son rendez-vous est passé)."


def _int(raw: str, default: int) -> int:
    return int(raw) if raw.isdigit() and len(raw) <= 6 else default


async def show(request: Request) -> Response:
    ctx = await require_staff(request)
    status = request.query_params.get("status", "")
    status = status if status in log.STATUSES else ""
    page = await log.message_log(ctx, _int(request.query_params.get("page", ""), 1), status)
    return admin_page(request, "admin/messages.html", {
        "log": page, "status": status, "statuses": log.STATUSES, "retryable": {s.value for s in log.RETRYABLE},
        "done": request.query_params.get("done"), "error": None,
    })


async def retry(request: Request) -> Response:
    ctx = await require_staff(request)
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    raw = request.path_params["message_id"]
    message_id = int(raw) if raw.isdigit() and len(raw) <= 10 else 0
    if not access.is_id(message_id):
        raise NotFound("Message introuvable.")
    try:
        await admin.retry_message(message_id, ctx.now, ctx=ctx)
    except admin.CannotRetry as exc:
        if "no message" in str(exc):
            raise NotFound("Message introuvable.") from None
        page = await log.message_log(ctx)
        return admin_page(request, "admin/messages.html", {
            "log": page, "status": "", "statuses": log.STATUSES, "retryable": {s.value for s in log.RETRYABLE},
            "done": None, "error": CANNOT_RETRY}, status=409)
    return RedirectResponse(MESSAGES + "?done=retried", status_code=303)


routes = [
    Route(MESSAGES, show, methods=["GET"]),
    Route(MESSAGES + "/{message_id}/retry", retry, methods=["POST"]),
]
