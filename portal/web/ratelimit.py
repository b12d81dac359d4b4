"""Fixed-window request counting per key (client IP, phone number…), in this process's memory.

With several web processes each counts on its own, so the effective limit is up to N times the
setting; a reverse proxy's limit is the place for a hard global cap.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from portal.patients import phone
from portal.settings import RateLimit


class RateLimiter:
    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self.limit = limit
        self.clock = clock
        self.max_keys = max_keys
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window number, count)

    def hit(self, key: str) -> float | None:
        """Count one request; None if allowed, else the seconds until the window resets."""
        if self.limit.count == 0:
            return None
        now = self.clock()
        window = int(now // self.limit.period_seconds)
        current, count = self._windows.get(key, (window, 0))
        if current != window:
            count = 0
        if count >= self.limit.count:
            return (window + 1) * self.limit.period_seconds - now
        if len(self._windows) >= self.max_keys:
            self._windows.clear()  # bounded memory beats perfect accounting under a flood of keys
        self._windows[key] = (window, count + 1)
        return None


# Bookings per phone number: stops one number being used to fill an agenda or to flood someone
# with SMS, whatever IP addresses the requests come from. Off when BOOKING_RATE_LIMIT=0.
PHONE_LIMIT = RateLimit(5, 3600)


def phone_limit(booking_limit: RateLimit) -> RateLimit:
    return RateLimit(0, 1) if booking_limit.count == 0 else PHONE_LIMIT


def phone_key(raw: object) -> str | None:
    """The per-phone key: the parsed E.164 number, so every spelling of one number shares one
    budget; None when there is no valid number worth counting."""
    return phone.throttle_key(raw)
