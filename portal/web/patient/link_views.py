"""/r/{code}: the SMS's short link, to the manage page. /u/{code}: List-Unsubscribe (RFC 8058):
a mailbox provider POSTs `List-Unsubscribe=One-Click`; a person who opens the link gets a page
with one button (a GET never changes anything: link scanners open every link)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.booking.links_use import manage_token_for_short_code, unsubscribe
from portal.links import manage_url
from portal.web import as_patient
from portal.web.patient.errors import N_
from portal.web.patient.rendering import render

PURPOSE_TEXT = {"email_reminders": N_("les rappels par e-mail"), "sms_reminders": N_("les rappels par SMS")}


async def short_link(request: Request) -> Response:
    settings = request.app.state.settings
    token = await manage_token_for_short_code(request.path_params["code"], str(settings.secret_key))
    response = RedirectResponse(manage_url("", token), status_code=303)
    response.headers["referrer-policy"] = "no-referrer"
    response.headers["cache-control"] = "no-store"
    return response


async def unsubscribe_page(request: Request) -> Response:
    return render(request, "portal/unsubscribe.html", {"done": False}, token_page=True)


async def unsubscribe_submit(request: Request) -> Response:
    settings = request.app.state.settings
    purpose = await unsubscribe(as_patient(request), request.path_params["code"], str(settings.secret_key))
    return render(request, "portal/unsubscribe.html", {"done": True, "what": PURPOSE_TEXT[purpose]}, token_page=True)
