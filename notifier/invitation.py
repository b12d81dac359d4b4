"""The `.ics` invitation attached to confirmation, move and cancellation e-mails (pure).

One UID per appointment (`appointment-{id}@{host}`) and SEQUENCE = the appointment's version,
so a calendar client updates or removes the event it already has instead of adding another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress

PRODID = "-//Créneau//Notifier//FR"


@dataclass(frozen=True)
class InvitationEvent:
    appointment_id: int
    host: str  # the host of BASE_URL: UIDs stay stable across deployments of one site
    version: int
    start: datetime  # aware
    end: datetime
    tz_name: str
    summary: str  # no reason for the visit unless the practice opted in
    location: str
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str
    url: str | None = None


def uid(appointment_id: int, host: str) -> str:
    return f"appointment-{appointment_id}@{host}"


@lru_cache(maxsize=64)
def _vtimezone(tz_name: str, year: int) -> bytes:
    """The VTIMEZONE block for a narrow window around the event (the default 1970–2038 window
    is ~3 KB per message); cached because building it is the slow part."""
    calendar = Calendar.new(prodid=PRODID, uid="tz")
    event = Event.new(uid="tz", start=datetime(year, 6, 1, tzinfo=ZoneInfo(tz_name)),
                      end=datetime(year, 6, 1, 1, tzinfo=ZoneInfo(tz_name)))
    calendar.add_component(event)
    calendar.add_missing_timezones(first_date=datetime(year - 1, 1, 1).date(), last_date=datetime(year + 1, 12, 31).date())
    return calendar.timezones[0].to_ical()


def build_invitation(event: InvitationEvent, method: str, stamp: datetime) -> bytes:
    """`method` is REQUEST (confirmation, move) or CANCEL (cancellation)."""
    tz = ZoneInfo(event.tz_name)
    organizer = vCalAddress(f"mailto:{event.organizer_email}")
    organizer.params["CN"] = event.organizer_name
    attendee = vCalAddress(f"mailto:{event.attendee_email}")
    attendee.params.update({"CN": event.attendee_name, "ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"})
    vevent = Event.new(
        uid=uid(event.appointment_id, event.host),
        start=event.start.astimezone(tz),
        end=event.end.astimezone(tz),
        stamp=stamp,
        sequence=event.version,
        summary=event.summary,
        location=event.location or None,
        organizer=organizer,
        attendees=[attendee],
        status="CANCELLED" if method == "CANCEL" else "CONFIRMED",
        url=event.url,
    )
    calendar = Calendar.new(prodid=PRODID, method=method, uid=f"calendar-{uid(event.appointment_id, event.host)}")
    calendar.add_component(vevent)
    body = calendar.to_ical()
    # Splice the cached VTIMEZONE in before the event (RFC 5545 allows any component order,
    # but some clients want the zone first).
    return body.replace(b"BEGIN:VEVENT", _vtimezone(event.tz_name, event.start.year) + b"BEGIN:VEVENT", 1)

