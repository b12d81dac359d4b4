"""The booking form's throttles: per client IP and per phone number (the app's limiters,
shared with the JSON API; see portal.web.ratelimit), answered with a friendly 429 page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.web import client_ip
from portal.web.patient.errors import N_, error_page
from portal.web.ratelimit import phone_key


def check(request: Request, phone: str) -> Response | None:
    """None when the attempt may go on, else the friendly 429 page."""
    wait = request.app.state.booking_limiter.hit(f"ip:{client_ip(request)}")
    key = phone_key(phone)
    if wait is None and key is not None:
        wait = request.app.state.phone_limiter.hit(key)
    if wait is None:
        return None
    return error_page(
        request, 429,
        N_("Trop de réservations en peu de temps. Réessayez un peu plus tard, ou appelez le cabinet."),
        headers={"Retry-After": str(int(wait) + 1)},
    )
