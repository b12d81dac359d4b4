"""is_bookable() checks one instant without listing the day: it must agree exactly with
membership in available_slots(), whatever the calendar. Seeded random calendars, DST days included."""

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from portal.scheduling import (
    DateException,
    Interval,
    ServiceRules,
    WeeklyBreak,
    WeeklyRule,
    available_slots,
    is_bookable,
)

from .helpers import PARIS

DAYS = [date(2026, 3, 29), date(2026, 3, 30), date(2026, 10, 25), date(2026, 6, 2), date(2026, 12, 25)]


def random_case(seed: int):
    rng = random.Random(seed)
    day = rng.choice(DAYS)
    rules = [WeeklyRule(day.weekday(), time(rng.randint(0, 9)), time(rng.randint(12, 23)))]
    breaks = [WeeklyBreak(day.weekday(), time(12), time(13))] if rng.random() < 0.5 else []
    exceptions = []
    if rng.random() < 0.3:
        exceptions.append(DateException(day, day, "closed", time(rng.randint(9, 11)), time(rng.randint(14, 16))))
    if rng.random() < 0.3:
        exceptions.append(DateException(day, day, "open"))
    service = ServiceRules(duration=timedelta(minutes=rng.choice([20, 30, 45, 60])),
                           buffer_before=timedelta(minutes=rng.choice([0, 5, 10])),
                           buffer_after=timedelta(minutes=rng.choice([0, 10, 15])),
                           step=timedelta(minutes=rng.choice([5, 15, 30])),
                           daily_limit=rng.choice([None, None, 2, 5]))
    day_start = datetime.combine(day, time(), PARIS).astimezone(UTC)
    taken = []
    for _ in range(rng.randint(0, 6)):
        start = day_start + timedelta(minutes=5 * rng.randint(0, 280))
        taken.append(Interval(start, start + timedelta(minutes=rng.choice([15, 30, 60]))))
    busy = taken[: rng.randint(0, len(taken))]
    appointments = taken[len(busy):]
    now = day_start - timedelta(hours=rng.choice([1, 30, 500]))
    return day, dict(rules=rules, breaks=breaks, exceptions=exceptions, appointments=appointments, busy=busy,
                     service=service, now=now, tz=PARIS)


@pytest.mark.parametrize("seed", range(60))
def test_is_bookable_agrees_with_the_listed_slots(seed):
    day, calendar = random_case(seed)
    listed = {slot.start for slot in available_slots(start_date=day, end_date=day, **calendar)}
    day_start = datetime.combine(day, time(), PARIS).astimezone(UTC)
    for minute in range(0, 25 * 60, 5):  # every 5 minutes of the (up to 25-hour) day
        instant = day_start + timedelta(minutes=minute)
        if instant.astimezone(PARIS).date() != day:
            continue
        assert is_bookable(instant, **calendar) == (instant in listed), instant.astimezone(PARIS)
