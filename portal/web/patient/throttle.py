"""The booking form's throttles (portal.web.ratelimit, shared with the JSON API). A refused
form comes back as it was typed, with a 429, the reason and when to try again. Past a few
attempts a client's form also carries a proof-of-work challenge (portal.web.pow), which the
browser solves before sending; without it, the next post is refused."""

from __future__ import annotations

import math

from starlette.requests import Request

from portal.web import client_ip, pow, request_ctx, request_locale, translate
from portal.web.patient.errors import N_
from portal.web.ratelimit import Reservation, Throttles, client_key

TOO_MANY_ATTEMPTS = N_("Trop d'envois de ce formulaire en peu de temps.")
TOO_MANY_BOOKINGS = N_("Trop de réservations en peu de temps.")
RETRY = N_("Vos informations sont conservées : vous pourrez envoyer le formulaire à nouveau dans {minutes} min, "
           "ou appeler le cabinet.")
WORK_NEEDED = N_("Après plusieurs envois, votre navigateur doit faire une courte vérification automatique "
                 "(JavaScript) : vos informations sont conservées, envoyez le formulaire à nouveau. Sans "
                 "JavaScript, réessayez plus tard ou appelez le cabinet.")
FIELDS = ("pow_challenge", "pow_nonce")


def _throttles(request: Request) -> Throttles:
    return request.app.state.throttles


def _challenge(request: Request) -> None:
    """Put a fresh challenge in the page the form comes back in (request.state.pow)."""
    settings = request.app.state.settings
    challenge = pow.issue(str(settings.secret_key), client_key(client_ip(request)), request_ctx(request).now)
    request.state.pow = {"challenge": challenge, "bits": pow.DIFFICULTY}


async def prepare(request: Request) -> None:
    """On the form's page: a challenge when this client's next post will need one."""
    if await _throttles(request).attempts(client_ip(request), request_ctx(request).now) >= pow.THRESHOLD:
        _challenge(request)


async def _worked(request: Request, form) -> bool:
    settings = request.app.state.settings
    challenge, nonce = (form.get(name) for name in FIELDS)
    ip, now = client_ip(request), request_ctx(request).now
    return pow.valid(str(settings.secret_key), client_key(ip), challenge, nonce, now) and await pow.spend(challenge)


async def admit(request: Request, phone: str, form) -> Reservation:
    """Count one submission of the form (valid or not: a much higher limit), ask past a few of
    them for a proof of work, then reserve one booking for the client and the phone number,
    given back if the booking fails."""
    throttles = _throttles(request)
    ip, now = client_ip(request), request_ctx(request).now
    attempt = await throttles.attempt(ip, now)
    if attempt.wait is not None:
        return Reservation(wait=attempt.wait, reason=TOO_MANY_ATTEMPTS)
    if attempt.hits >= pow.THRESHOLD:
        work_needed = attempt.hits > pow.THRESHOLD and not await _worked(request, form)
        _challenge(request)  # for the form if it comes back
        if work_needed:
            return Reservation(wait=1.0, reason=WORK_NEEDED)
    return await throttles.reserve(ip, phone, now)


def notice(request: Request, held: Reservation) -> str:
    """The 429 form's notice, in the page's language, with the wait in minutes."""
    locale = request_locale(request)
    if held.reason == WORK_NEEDED:
        return translate(WORK_NEEDED, locale)
    minutes = max(1, math.ceil((held.wait or 0) / 60))
    reason = held.reason or TOO_MANY_BOOKINGS
    return f"{translate(reason, locale)} {translate(RETRY, locale).format(minutes=minutes)}"
