"""A VTIMEZONE with yearly rules (RRULE), pure.

icalendar's `add_missing_timezones` lists each change as an RDATE: valid, but classic Outlook
mishandles it and shifts summer appointments by an hour. Here each observance is one rule
("last Sunday of March at 02:00"), derived from the zone's own transitions in the given year;
a zone without daylight saving gets one STANDARD observance."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def transitions(zone: ZoneInfo, year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """(local wall time just before the change, offset before, offset after) for each change in
    the year, found hour by hour then refined to the minute."""
    found = []
    moment = datetime(year, 1, 1, tzinfo=ZoneInfo("UTC"))
    end = datetime(year + 1, 1, 1, tzinfo=ZoneInfo("UTC"))
    before = moment.astimezone(zone).utcoffset()
    while moment < end:
        step = moment + timedelta(hours=1)
        after = step.astimezone(zone).utcoffset()
        if after != before:
            low = moment
            while low.astimezone(zone).utcoffset() == before:
                low += timedelta(minutes=1)
            assert before is not None and after is not None
            # DTSTART of an observance is the local time in the offset *before* the change.
            found.append(((low + before).replace(tzinfo=None), before, after))
            before = after
        moment = step
    return found


def _byday(local: datetime) -> str:
    """"-1SU" for the last Sunday of the month, "2SU" for the second…"""
    last_day = calendar.monthrange(local.year, local.month)[1]
    weekday = WEEKDAYS[local.weekday()]
    if local.day + 7 > last_day:
        return f"-1{weekday}"
    return f"{(local.day - 1) // 7 + 1}{weekday}"


def _first_onset(local: datetime, year: int) -> datetime:
    rule = _byday(local)
    days = [day for day in range(1, calendar.monthrange(year, local.month)[1] + 1)
            if calendar.weekday(year, local.month, day) == local.weekday()]
    day = days[-1] if rule.startswith("-1") else days[int(rule[0]) - 1]
    return local.replace(year=year, day=day)


def vtimezone(tz_name: str, year: int) -> Timezone:
    zone = ZoneInfo(tz_name)
    timezone = Timezone()
    timezone.add("tzid", tz_name)
    changes = transitions(zone, year)
    if len(changes) != 2:  # no daylight saving (or an irregular year): one fixed observance
        offset = datetime(year, 1, 1, tzinfo=zone).utcoffset()
        standard = TimezoneStandard()
        standard.add("dtstart", datetime(1970, 1, 1))
        standard.add("tzoffsetfrom", offset)
        standard.add("tzoffsetto", offset)
        standard.add("tzname", datetime(year, 1, 1, tzinfo=zone).tzname())
        timezone.add_component(standard)
        return timezone
    for local, before, after in changes:
        observance = TimezoneDaylight() if after > before else TimezoneStandard()
        # First onset: the rule's date in 1970 (DTSTART must match its RRULE), as Outlook writes it.
        observance.add("dtstart", _first_onset(local, 1970))
        observance.add("rrule", {"FREQ": "YEARLY", "BYMONTH": local.month, "BYDAY": _byday(local)})
        observance.add("tzoffsetfrom", before)
        observance.add("tzoffsetto", after)
        observance.add("tzname", (datetime(local.year, local.month, local.day, tzinfo=zone)
                                  + timedelta(days=1)).tzname())
        timezone.add_component(observance)
    return timezone
