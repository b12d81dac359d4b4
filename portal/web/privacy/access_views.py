"""Asking for a one-time link into the privacy centre (/privacy/access), and the manage page's
shortcut (/b/{token}/privacy) that sends it to the booking's patient address.

No account enumeration: a known and an unknown address get the same status and the same page,
and the answer is padded to a fixed duration (ANSWER_SECONDS) so that writing the link and its
message for a known address does not show in the timing. Throttled per address and per client IP
(portal.web.ratelimit.RateLimiter, the app's limiters).
"""

from __future__ import annotations

import asyncio
import time

from starlette.requests import Request
from starlette.responses import Response

from portal import access
from portal.patients.input import clean_email
from portal.patients.privacy_links import request_link
from portal.web import as_patient, client_ip, request_ctx
from portal.web.patient import csrf
from portal.web.patient.errors import N_, error_page
from portal.web.patient.rendering import render

# Longer than writing a link and its message takes on a loaded SQLite or PostgreSQL.
ANSWER_SECONDS = 0.3


async def access_form(request: Request) -> Response:
    return render(request, "privacy/access.html", {"error": None, "email": ""})


def _throttled(request: Request, email: str | None) -> Response | None:
    wait = request.app.state.privacy_ip_limiter.hit(f"ip:{client_ip(request)}")
    if wait is None and email:
        wait = request.app.state.privacy_address_limiter.hit(f"email:{email}")
    if wait is None:
        return None
    return error_page(request, 429, N_("Trop de demandes de lien en peu de temps. Réessayez dans une heure."),
                      headers={"Retry-After": str(int(wait) + 1)})


async def access_submit(request: Request) -> Response:
    started = time.monotonic()
    form = await request.form()
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return error_page(request, 403, N_("Pour votre sécurité, cette page a expiré. Recommencez."),
                          back_url="/privacy/access")
    raw = form.get("email")
    email, _ = clean_email(raw)
    if email is None:
        return render(request, "privacy/access.html", {
            "error": N_("Indiquez une adresse e-mail valide, par exemple nom@exemple.fr."),
            "email": raw if isinstance(raw, str) else ""}, status=422)
    refused = _throttled(request, email)
    if refused is not None:
        return refused
    await _send(request, email)
    await _pad(started)
    return render(request, "privacy/sent.html", {})


async def _send(request: Request, email: str) -> None:
    settings = request.app.state.settings
    await request_link(request_ctx(request), email, secret_key=str(settings.secret_key),
                       minutes=settings.privacy_link_minutes)


async def _pad(started: float) -> None:
    """The same answer time for a known and an unknown address (see the module's docstring)."""
    left = ANSWER_SECONDS - (time.monotonic() - started)
    if left > 0:
        await asyncio.sleep(left)


async def from_manage_page(request: Request) -> Response:
    """The manage page's button: the link goes to the address on the booking's patient record
    (holding a manage link is not proof of owning that address: the link proves it)."""
    started = time.monotonic()
    form = await request.form()
    token = request.path_params["token"]
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return error_page(request, 403, N_("Pour votre sécurité, cette page a expiré. Recommencez."),
                          back_url=f"/b/{token}")
    booking = await access.booking_by_token(as_patient(request), token)
    email = booking.appointment.patient.email
    refused = _throttled(request, email)
    if refused is not None:
        return refused
    await _send(request, email)
    await _pad(started)
    return render(request, "privacy/sent.html", {}, token_page=True)
