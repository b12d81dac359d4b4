"""One appointment as an iCalendar object (RFC 5545: VTIMEZONE, DTSTAMP, stable UID), pure.

Used for the invitation in e-mails (METHOD REQUEST or CANCEL, organizer and attendee) and for the
patient's "add to my calendar" download. Both carry UID `appointment-{id}@{host of BASE_URL}` and
SEQUENCE = the appointment's version, so a calendar that got one then the other, or a newer
version, updates its one event instead of adding another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress

from portal.booking.vtimezone import vtimezone
from portal.scheduling.localtime import wall_time_repeats

PRODID = "-//Créneau//Rendez-vous//FR"


SUMMARY = {"fr": "Rendez-vous avec {name}", "en": "Appointment with {name}"}
# A cancelled event's description (invitation and downloaded file): nothing left to move or cancel.
CANCELLED = {"fr": "Ce rendez-vous est annulé.", "en": "This appointment is cancelled."}


def patient_summary(practitioner: str, service: str | None, locale: str) -> str:
    """The patient's event, in the e-mail's invitation as in the file downloaded from the manage
    page (one UID: one event): the service only when its messages may name it (None otherwise)."""
    text = SUMMARY.get(locale, SUMMARY["fr"]).format(name=practitioner)
    return f"{text} – {service}" if service else text


def uid_host(base_url: str) -> str:
    return urlsplit(base_url).hostname or "creneau.invalid"


def uid(appointment_id: int, host: str) -> str:
    return f"appointment-{appointment_id}@{host}"


@dataclass(frozen=True)
class AppointmentEvent:
    appointment_id: int
    host: str  # uid_host(BASE_URL)
    version: int
    start: datetime  # aware
    end: datetime
    tz_name: str
    summary: str  # no reason for the visit unless the practice opted in, or the patient's own file
    location: str = ""
    cancelled: bool = False
    description: str | None = None
    url: str | None = None
    organizer: tuple[str, str] | None = None  # (e-mail, name)
    attendee: tuple[str, str] | None = None


@lru_cache(maxsize=64)
def _vtimezone(tz_name: str, year: int) -> bytes:
    """The zone's yearly rules (RRULE: classic Outlook mishandles RDATE-only zones, see
    portal.booking.vtimezone); cached because building it is the slow part of an invitation."""
    return vtimezone(tz_name, year).to_ical()


def _address(value: tuple[str, str], **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{value[0]}")
    address.params.update({"CN": value[1], **params})
    return address


def written_instants(event: AppointmentEvent) -> tuple[datetime, datetime]:
    """Start and end as the invitation writes them: local time with TZID, unless either falls in
    the repeated hour of the autumn change — a local "02:30" with TZID names the first pass for
    every client, so such an event is written in UTC (and a visit that crosses the change no
    longer looks like it ends before it starts)."""
    tz = ZoneInfo(event.tz_name)
    if wall_time_repeats(event.start, tz) or wall_time_repeats(event.end, tz):
        return event.start.astimezone(UTC), event.end.astimezone(UTC)
    return event.start.astimezone(tz), event.end.astimezone(tz)


def build_calendar(event: AppointmentEvent, stamp: datetime, method: str | None = None) -> bytes:
    """`method`: REQUEST (confirmation, move), CANCEL (cancellation) or None (a plain download)."""
    start, end = written_instants(event)
    vevent = Event.new(
        uid=uid(event.appointment_id, event.host),
        start=start,
        end=end,
        stamp=stamp,
        sequence=event.version,
        summary=event.summary,
        location=event.location or None,
        description=event.description,
        url=event.url,
        organizer=_address(event.organizer) if event.organizer else None,
        attendees=[_address(event.attendee, ROLE="REQ-PARTICIPANT", RSVP="FALSE")] if event.attendee else None,
        status="CANCELLED" if event.cancelled or method == "CANCEL" else "CONFIRMED",
    )
    calendar = Calendar.new(prodid=PRODID, method=method, uid=f"calendar-{uid(event.appointment_id, event.host)}")
    calendar.add_component(vevent)
    # The cached VTIMEZONE goes before the event: RFC 5545 allows any order, some clients want this one.
    return calendar.to_ical().replace(b"BEGIN:VEVENT", _vtimezone(event.tz_name, event.start.year) + b"BEGIN:VEVENT", 1)
