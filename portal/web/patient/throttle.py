"""The booking form's throttles (portal.web.ratelimit, shared with the JSON API). A refused
form comes back as it was typed, with a 429, the reason and when to try again."""

from __future__ import annotations

import math

from starlette.requests import Request

from portal.web import client_ip, request_ctx, request_locale, translate
from portal.web.patient.errors import N_
from portal.web.ratelimit import Reservation, Throttles

TOO_MANY_ATTEMPTS = N_("Trop d'envois de ce formulaire en peu de temps.")
TOO_MANY_BOOKINGS = N_("Trop de réservations en peu de temps.")
RETRY = N_("Vos informations sont conservées : vous pourrez envoyer le formulaire à nouveau dans {minutes} min, "
           "ou appeler le cabinet.")


async def admit(request: Request, phone: str) -> Reservation:
    """Count one submission of the form (valid or not: a much higher limit), then reserve one
    booking for the client and the phone number, given back if the booking fails."""
    throttles: Throttles = request.app.state.throttles
    ip, now = client_ip(request), request_ctx(request).now
    wait = await throttles.attempt(ip, now)
    if wait is not None:
        return Reservation(wait=wait, reason=TOO_MANY_ATTEMPTS)
    return await throttles.reserve(ip, phone, now)


def notice(request: Request, held: Reservation) -> str:
    """The 429 form's notice, in the page's language, with the wait in minutes."""
    locale = request_locale(request)
    minutes = max(1, math.ceil((held.wait or 0) / 60))
    reason = held.reason or TOO_MANY_BOOKINGS
    return f"{translate(reason, locale)} {translate(RETRY, locale).format(minutes=minutes)}"
