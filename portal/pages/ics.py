"""The patient's own "add to my calendar" file (RFC 5545, with VTIMEZONE).

A stable UID and SEQUENCE = the appointment's version, so importing a newer file updates the
event instead of duplicating it; a cancelled booking gives STATUS:CANCELLED.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from portal.links import manage_url
from portal.usecases.manage import ManagedBooking


def appointment_calendar(booking: ManagedBooking, base_url: str, now: datetime, token: str | None = None) -> bytes:
    appointment = booking.appointment
    practice = booking.practice
    tz = ZoneInfo(practice.timezone)
    host = urlsplit(base_url).hostname or "creneau"
    locale = appointment.locale
    service = appointment.service
    service_name = (service.name_en or service.name) if locale == "en" else service.name
    practitioner = appointment.practitioner.display_name
    summary = f"{service_name} – {practitioner}"
    description = None
    if token:  # the patient's own file: their manage link is theirs to keep
        label = "Manage or cancel: " if locale == "en" else "Gérer ou annuler : "
        description = label + manage_url(base_url, token)
    event = Event.new(
        uid=f"appointment-{appointment.id}@{host}",
        start=appointment.starts_at.astimezone(tz),
        end=appointment.ends_at.astimezone(tz),
        stamp=now,
        sequence=appointment.version,
        summary=summary,
        location=", ".join(p for p in (practice.name, practice.address) if p),
        description=description,
        status="CANCELLED" if booking.cancelled else "CONFIRMED",
    )
    cal = Calendar.new(prodid="-//Créneau//Rendez-vous//FR", uid=f"calendar-appointment-{appointment.id}@{host}",
                       subcomponents=[event])
    # Only the rules around the visit: the default 1970-2038 span is kilobytes of transitions.
    day = appointment.starts_at.astimezone(tz).date()
    cal.add_missing_timezones(day - timedelta(days=366), day + timedelta(days=366))
    return cal.to_ical()
