"""Online bookings a practitioner takes per hour and per day (Practitioner.online_bookings_per_hour
and _per_day; 0 turns one off): a script with many addresses and phone numbers still cannot
empty an agenda. A core rule, so pages and API alike obey it.

Counted in the shared fixed windows of portal.limits.counter (hour windows on the hour, day
windows on UTC midnight): the units are reserved before the booking is written and given back
if it fails, so only bookings made count. When a limit trips, the practice gets one e-mail per
window (portal.messaging.notices).
"""

from __future__ import annotations

from datetime import datetime

from portal.errors import DomainError
from portal.limits import counter
from portal.messaging import notices
from portal.settings import RateLimit

HOUR, DAY = 3600, 86400


class OnlineLimitReached(DomainError):
    code, status = "online_bookings_paused", 429

    def __init__(self, wait: float):
        super().__init__("Ce praticien ne prend plus de rendez-vous en ligne pour le moment. "
                         "Réessayez plus tard ou appelez le cabinet.")
        self.wait = wait


async def reserve(practice_id: int, practitioner_id: int, per_hour: int, per_day: int,
                  now: datetime) -> list[counter.Taken]:
    """One unit of each of the practitioner's limits; OnlineLimitReached when one is spent."""
    limits = [(topic, count, seconds) for topic, count, seconds in (
        (notices.ONLINE_LIMIT_HOUR, per_hour, HOUR), (notices.ONLINE_LIMIT_DAY, per_day, DAY)) if count > 0]
    taken = await counter.take_all(
        [(f"practitioner:{practitioner_id}:{seconds}", RateLimit(count, seconds)) for _, count, seconds in limits], now)
    refused = [(topic, unit) for (topic, _, _), unit in zip(limits, taken) if unit.wait is not None]
    if not refused:
        return taken
    await give_back([unit for unit in taken if unit.allowed])
    for topic, unit in refused:
        await notices.tell_practice(practice_id, notices.NoticeKey(topic, practitioner_id, unit.window_start), now)
    raise OnlineLimitReached(max(unit.wait or 0.0 for _, unit in refused))


async def give_back(taken: list[counter.Taken]) -> None:
    for unit in taken:
        await counter.give_back(unit)
