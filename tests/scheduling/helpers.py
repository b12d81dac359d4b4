"""Builders shared by the scheduling tests, so that tables stay readable."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.scheduling import Interval, ServiceRules, Slot, WeeklyRule, available_slots

PARIS = ZoneInfo("Europe/Paris")

# A plain week in June 2026 (Paris is at +02:00), far from any holiday.
MONDAY = date(2026, 6, 1)
TUESDAY = date(2026, 6, 2)
WEDNESDAY = date(2026, 6, 3)
# "now": the Friday before, early morning, so default notice/horizon never bite.
NOW = datetime(2026, 5, 29, 6, 0, tzinfo=UTC)


def hm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def minutes(count: int) -> timedelta:
    return timedelta(minutes=count)


def paris(day: date, wall: str, fold: int = 0) -> datetime:
    """An instant given as a Paris wall time, returned in UTC."""
    return datetime.combine(day, hm(wall), tzinfo=PARIS).replace(fold=fold).astimezone(UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rule(weekday: int, start: str, end: str) -> WeeklyRule:
    return WeeklyRule(weekday, hm(start), hm(end))


def taken(day: date, start: str, end: str) -> Interval:
    """An existing blocked range given in Paris wall times."""
    return Interval(paris(day, start), paris(day, end))


def service(duration: int = 30, step: int = 30, **extra) -> ServiceRules:
    return ServiceRules(duration=minutes(duration), step=minutes(step), **extra)


def list_slots(*, day: date = MONDAY, last_day: date | None = None, **kwargs) -> list[Slot]:
    """available_slots with test defaults: Paris, NOW, one day."""
    kwargs.setdefault("rules", [rule(0, "09:00", "12:00")])
    kwargs.setdefault("service", service())
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("tz", PARIS)
    return available_slots(start_date=day, end_date=last_day or day, **kwargs)


def walls(slots: list[Slot]) -> list[str]:
    """Slot starts as Paris "HH:MM", the way a patient reads them."""
    return [slot.start.astimezone(PARIS).strftime("%H:%M") for slot in slots]


def dated_walls(slots: list[Slot]) -> list[str]:
    return [slot.start.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") for slot in slots]
