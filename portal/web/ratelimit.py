"""The booking throttles of the pages and the JSON API, counted in the database so they hold
across every web process (portal.limits.counter).

- per client network (an IPv4 address, or an IPv6 /64: one subscriber's whole prefix is one
  client) and per phone number (its E.164 form): only bookings made count. Units are reserved
  before the booking and given back when it fails, so typos, a taken slot or a refused field
  cost nothing (issue 11: five birth-date typos used to lock the patient out);
- every booking attempt, valid or not, per client network, under a much higher limit: a script
  posting garbage is stopped too.

RateLimiter counts in this process's memory: the privacy centre's link requests use it (their
answer is padded to a fixed time, and a per-process limit is enough against address probing).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from portal.limits import counter
from portal.patients import phone
from portal.settings import RateLimit

T = TypeVar("T")


class RateLimiter:
    """Fixed-window request counting per key, in this process's memory: with several web
    processes each counts on its own (up to N times the setting)."""

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
# with SMS, whatever addresses the requests come from. Off when BOOKING_RATE_LIMIT=0.
PHONE_LIMIT = RateLimit(5, 3600)
# Attempts (valid or not) per client network, as a multiple of the booking limit.
ATTEMPTS_PER_BOOKING = 5
IPV6_PREFIX = 64


def phone_limit(booking_limit: RateLimit) -> RateLimit:
    return RateLimit(0, 1) if booking_limit.count == 0 else PHONE_LIMIT


def attempt_limit(booking_limit: RateLimit) -> RateLimit:
    return RateLimit(booking_limit.count * ATTEMPTS_PER_BOOKING, booking_limit.period_seconds)


def phone_key(raw: object) -> str | None:
    """The per-phone key: the parsed E.164 number, so every spelling of one number shares one
    budget; None when there is no valid number worth counting."""
    return phone.throttle_key(raw)


def client_key(ip: str) -> str:
    """An IPv4 address as is; an IPv6 address as its /64 (a home or a phone gets a whole /64,
    so one client can use 2**64 addresses); an IPv4-mapped IPv6 address as the IPv4 one."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return f"ip:{ip[:64]}"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"ip:{address.ipv4_mapped}"
        return f"ip:{ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False)}"
    return f"ip:{address}"


@dataclass
class Reservation:
    """Units taken for one booking attempt; `wait` is set when one was refused."""

    wait: float | None = None
    taken: list[counter.Taken] = field(default_factory=list)
    reason: str = ""  # which limit refused, for the page

    async def give_back(self) -> None:
        for unit in self.taken:
            await counter.give_back(unit)
        self.taken.clear()

    async def counted(self, booking: Awaitable[T]) -> T:
        """The booking's result; its units are given back if it fails (field errors, slot
        taken, anything), so only bookings made count."""
        try:
            return await booking
        except BaseException:
            await self.give_back()
            raise


@dataclass(frozen=True)
class Throttles:
    booking: RateLimit

    async def attempt(self, ip: str, now: datetime) -> counter.Taken:
        """Count one booking attempt of the client (`wait` set when over the attempt limit)."""
        return await counter.take(f"attempt:{client_key(ip)}", attempt_limit(self.booking), now)

    async def attempts(self, ip: str, now: datetime) -> int:
        """The client's attempts in the current window, without counting one."""
        if self.booking.count == 0:
            return 0
        return await counter.hits(f"attempt:{client_key(ip)}", attempt_limit(self.booking), now)

    async def reserve(self, ip: str, raw_phone: object, now: datetime) -> Reservation:
        """Reserve one booking for the client network and the phone number."""
        wanted = [(f"book:{client_key(ip)}", self.booking)]
        number = phone_key(raw_phone)
        if number is not None:
            wanted.append((f"book:{number}", phone_limit(self.booking)))
        taken = await counter.take_all(wanted, now)
        reservation = Reservation(taken=[unit for unit in taken if unit.allowed])
        refused = [unit.wait for unit in taken if unit.wait is not None]
        if refused:
            await reservation.give_back()
            reservation.wait = max(refused)
        return reservation


def retry_after(wait: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(wait)))}
