"""The practitioner's agenda as an iCalendar feed: a pure function of rows, no ORM, no clock.

Each VEVENT's text depends only on its appointment row and the feed's settings, so it is
memoised per (row, level, zone, location, domain): an unchanged appointment is formatted once,
a moved or cancelled one (new version, new updated_at) gets a new entry. The calendar is the
icalendar-built header and VTIMEZONE around the concatenated events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar

from calendar_sync.ical_text import CRLF, escape_text, fold, local_stamp, utc_stamp
from calendar_sync.models import FeedLevel
from portal.booking.vtimezone import vtimezone
from portal.scheduling.localtime import wall_time_repeats

PRODID = "-//Créneau//Agenda praticien//FR"
BUSY_SUMMARY = "Rendez-vous"
CANCELLED_PREFIX = "[Annulé] "
# How often calendar clients should re-read the feed. A hint only: Apple Calendar follows it, but
# Google re-reads subscribed feeds every 8-24 h whatever it says and Outlook decides on its own
# schedule too; that is why each practitioner notice carries its own invitation (notifier.invitation).
REFRESH = timedelta(minutes=15)
# Appointment statuses, as stored by portal (strings: this module stays free of the ORM).
CANCELLED = frozenset({"cancelled_by_practitioner", "cancelled_by_patient"})
TENTATIVE = frozenset({"to_confirm", "held"})  # held: online, waiting for the patient's code
# The window and the retention of cancelled appointments (issue 5).
PAST_DAYS, FUTURE_DAYS, CANCELLED_KEPT_DAYS = 90, 365, 30
EVENT_CACHE_SIZE = 50_000  # ~0.5 KB each: at most ~25 MB, whatever the number of feeds


@dataclass(frozen=True, slots=True)
class FeedAppointment:
    """One appointment as the feed needs it. Names, phone and comment stay empty at `busy`:
    the query does not even read them. There is no field for e-mail or birth date."""

    id: int
    version: int
    starts_at: datetime
    ends_at: datetime
    status: str
    created_at: datetime
    updated_at: datetime
    service: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    comment: str = ""


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """What a feed says besides its events."""

    name: str  # the calendar's name in the client
    timezone: str  # the practice's IANA zone
    location: str  # the practice's address (not patient data)
    uid_domain: str  # right-hand side of every UID: stable across rebuilds
    level: FeedLevel = FeedLevel.BUSY


@dataclass(frozen=True, slots=True)
class FeedWindow:
    """Which appointments a feed carries, fixed for a whole UTC day so that the ETag is too."""

    start: datetime
    end: datetime
    cancelled_since: datetime

    @classmethod
    def around(cls, now: datetime) -> FeedWindow:
        day = datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), UTC)
        return cls(day - timedelta(days=PAST_DAYS), day + timedelta(days=FUTURE_DAYS + 1),
                   day - timedelta(days=CANCELLED_KEPT_DAYS))


def summary(appointment: FeedAppointment, level: FeedLevel) -> str:
    if level is FeedLevel.BUSY:
        text = BUSY_SUMMARY
    elif level is FeedLevel.INITIALS:
        text = " – ".join(part for part in (initials(appointment), appointment.service) if part)
    else:
        name = f"{appointment.first_name} {appointment.last_name}".strip()
        text = " – ".join(part for part in (name, appointment.service) if part)
    text = text or BUSY_SUMMARY
    return CANCELLED_PREFIX + text if appointment.status in CANCELLED else text


def initials(appointment: FeedAppointment) -> str:
    letters = [name.strip()[0].upper() for name in (appointment.first_name, appointment.last_name) if name.strip()]
    return "".join(f"{letter}." for letter in letters)


def description(appointment: FeedAppointment, level: FeedLevel) -> str:
    """Only `full` has a description: the phone and the patient's comment."""
    if level is not FeedLevel.FULL:
        return ""
    lines = []
    if appointment.phone:
        lines.append(f"Tél. : {appointment.phone}")
    if appointment.comment:
        lines.append(f"Commentaire : {appointment.comment}")
    return "\n".join(lines)


def ical_status(status: str) -> str:
    if status in CANCELLED:
        return "CANCELLED"
    return "TENTATIVE" if status in TENTATIVE else "CONFIRMED"


def instant_line(name: str, value: datetime, zone: ZoneInfo, tzid: str) -> str:
    """Local time with TZID, which calendars show as the practice wrote it — except in the repeated
    hour of the autumn change, where every client reads a local "02:30" as the first pass: there
    the instant is written in UTC."""
    if wall_time_repeats(value, zone):
        return f"{name}:{utc_stamp(value)}"
    return f"{name}{tzid}:{local_stamp(value, zone)}"


@lru_cache(maxsize=EVENT_CACHE_SIZE)
def event_text(appointment: FeedAppointment, settings: FeedSettings) -> str:
    """One VEVENT, folded, CRLF-terminated. DTSTAMP is the last revision (a feed without
    METHOD, RFC 5545 §3.8.7.2), so the text is the same on every fetch until the row changes."""
    zone = ZoneInfo(settings.timezone)
    tzid = f";TZID={settings.timezone}"
    cancelled = appointment.status in CANCELLED
    lines = [
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.id}@{settings.uid_domain}",
        f"DTSTAMP:{utc_stamp(appointment.updated_at)}",
        f"CREATED:{utc_stamp(appointment.created_at)}",
        f"LAST-MODIFIED:{utc_stamp(appointment.updated_at)}",
        f"SEQUENCE:{appointment.version}",
        instant_line("DTSTART", appointment.starts_at, zone, tzid),
        instant_line("DTEND", appointment.ends_at, zone, tzid),
        f"SUMMARY:{escape_text(summary(appointment, settings.level))}",
    ]
    if settings.location:
        lines.append(f"LOCATION:{escape_text(settings.location)}")
    text = description(appointment, settings.level)
    if text:
        lines.append(f"DESCRIPTION:{escape_text(text)}")
    lines += [
        f"STATUS:{ical_status(appointment.status)}",
        # A cancelled visit no longer makes the practitioner busy in their free/busy view.
        f"TRANSP:{'TRANSPARENT' if cancelled else 'OPAQUE'}",
        "CLASS:PRIVATE",
        "END:VEVENT",
    ]
    return "".join(fold(line) for line in lines)


@lru_cache(maxsize=256)
def calendar_frame(settings: FeedSettings, first_year: int, last_year: int) -> tuple[str, str]:
    """(head, tail) of the VCALENDAR, built with icalendar; events go between them. The
    VTIMEZONE covers whole years around the window (the default 1970–2038 block is ~3 KB)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", settings.name)
    calendar.add("x-wr-calname", settings.name)
    calendar.add("x-wr-timezone", settings.timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    # Yearly rules (RRULE), not a list of dates: classic Outlook mishandles RDATE-only zones.
    calendar.add_component(vtimezone(settings.timezone, last_year))
    text = calendar.to_ical().decode()
    tail = "END:VCALENDAR" + CRLF
    assert text.endswith(tail)
    return text[: -len(tail)], tail


def build_feed(settings: FeedSettings, window: FeedWindow, appointments: list[FeedAppointment]) -> str:
    """The whole feed. `appointments` are those the window keeps, in any order."""
    head, tail = calendar_frame(settings, window.start.year, window.end.year)
    ordered = sorted(appointments, key=lambda a: (a.starts_at, a.id))
    return head + "".join([event_text(a, settings) for a in ordered]) + tail
