"""Booking throttles: per client IP (the app's limiter) and per phone number (this module's).

The phone limit stops one number being used to fill an agenda or to flood someone with SMS.
`BOOKING_RATE_LIMIT=0` turns both off (tests, benchmarks).
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from portal.pages.errors import N_, error_page
from portal.ratelimit import RateLimiter
from portal.settings import RateLimit
from portal.web import client_ip

PHONE_LIMIT = RateLimit(5, 3600)


def _phone_limiter(request: Request) -> RateLimiter:
    state = request.app.state
    limiter = getattr(state, "phone_booking_limiter", None)
    if limiter is None:
        off = request.app.state.settings.booking_rate_limit.count == 0
        limiter = RateLimiter(RateLimit(0, 1) if off else PHONE_LIMIT)
        state.phone_booking_limiter = limiter
    return limiter


def phone_key(raw: str) -> str:
    """Digits only, French national form: "+33 6 12…" and "06 12…" count as one number."""
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def check(request: Request, phone: str) -> Response | None:
    """None when the attempt may go on, else the friendly 429 page."""
    wait = request.app.state.booking_limiter.hit(f"ip:{client_ip(request)}")
    key = phone_key(phone)
    if wait is None and len(key) >= 6:
        wait = _phone_limiter(request).hit(f"phone:{key}")
    if wait is None:
        return None
    return error_page(
        request, 429,
        N_("Trop de réservations en peu de temps. Réessayez un peu plus tard, ou appelez le cabinet."),
        headers={"Retry-After": str(int(wait) + 1)},
    )
