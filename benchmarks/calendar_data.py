"""Synthetic data for calendar_bench: a 2,000-event export shaped like Google's."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

HEADER = """BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:Bench
X-WR-TIMEZONE:Europe/Paris
BEGIN:VTIMEZONE
TZID:Europe/Paris
X-LIC-LOCATION:Europe/Paris
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def _event(uid: str, start: datetime, minutes: int, extra: str = "") -> str:
    fmt = "%Y%m%dT%H%M%S"
    return (f"BEGIN:VEVENT\nDTSTART;TZID=Europe/Paris:{start:{fmt}}\n"
            f"DTEND;TZID=Europe/Paris:{start + timedelta(minutes=minutes):{fmt}}\n{extra}"
            f"DTSTAMP:20261101T000000Z\nUID:{uid}@google.com\nCREATED:20260101T000000Z\n"
            f"LAST-MODIFIED:20261101T000000Z\nSEQUENCE:0\nSTATUS:CONFIRMED\nSUMMARY:Événement {uid}\n"
            "TRANSP:OPAQUE\nEND:VEVENT\n")


def google_export(today: date, events: int = 2_000, series: int = 50, seed: int = 5) -> bytes:
    """`series` weekly series (each with two EXDATEs and one moved occurrence) and single events
    over the past year and the next one, `events` VEVENTs in all."""
    rng = random.Random(seed)
    parts = [HEADER]
    base = datetime(today.year, today.month, today.day) - timedelta(days=365)
    for s in range(series):
        start = base + timedelta(days=rng.randrange(0, 300), hours=rng.randrange(8, 19))
        weeks = [start + timedelta(weeks=w) for w in (10, 20, 30, 40, 50, 60)]
        exdates = "".join(f"EXDATE;TZID=Europe/Paris:{d:%Y%m%dT%H%M%S}\n" for d in weeks[:2])
        parts.append(_event(f"series{s}", start, 60, f"RRULE:FREQ=WEEKLY;COUNT=80\n{exdates}"))
        moved = weeks[rng.randrange(2, 6)]
        parts.append(_event(f"series{s}", moved + timedelta(hours=1), 60,
                            f"RECURRENCE-ID;TZID=Europe/Paris:{moved:%Y%m%dT%H%M%S}\n"))
    for i in range(events - 2 * series):
        start = base + timedelta(days=rng.randrange(0, 730), hours=rng.randrange(7, 20), minutes=rng.choice((0, 30)))
        parts.append(_event(f"single{i}", start, rng.choice((30, 60, 90))))
    parts.append("END:VCALENDAR\n")
    return "".join(parts).replace("\n", "\r\n").encode()


def utc_today() -> date:
    return datetime.now(UTC).date()
