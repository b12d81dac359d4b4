"""Invitations in the repeated hour of the autumn change read as the right instants everywhere."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import vobject

from notifier.render import render
from portal.booking.calendar_event import AppointmentEvent, build_calendar
from tests.builders import PARIS
from tests.notifier.test_render import context

STAMP = datetime(2027, 10, 1, tzinfo=UTC)
SECOND_230 = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30+01:00, the second pass
FIRST_245 = datetime(2027, 10, 31, 0, 45, tzinfo=UTC)  # 02:45+02:00, the first pass


def invitation(start: datetime, minutes: int) -> bytes:
    event = AppointmentEvent(7, "rdv.example.fr", 1, start, start + timedelta(minutes=minutes), "Europe/Paris",
                             "Rendez-vous", organizer=("cabinet@example.fr", "Cabinet"))
    return build_calendar(event, STAMP, method="REQUEST")


@pytest.mark.parametrize("start, minutes", [(SECOND_230, 30), (FIRST_245, 45), (FIRST_245, 10)])
def test_invitation_in_or_across_the_repeated_hour_names_the_right_instants(start, minutes):
    text = invitation(start, minutes)
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == start and event.decoded("DTEND") == start + timedelta(minutes=minutes)
    other = vobject.readOne(text.decode()).vevent
    assert other.dtstart.value == start and other.dtend.value == start + timedelta(minutes=minutes)


def test_an_ordinary_invitation_keeps_its_local_time_and_zone():
    start = datetime(2027, 10, 31, 9, tzinfo=UTC)
    event = icalendar.Calendar.from_ical(invitation(start, 45)).walk("VEVENT")[0]
    assert str(event["DTSTART"].params["TZID"]) == "Europe/Paris" and event.decoded("DTSTART") == start


def test_messages_say_which_pass_of_the_repeated_hour():
    email = render("confirmation", context(start=SECOND_230, end=SECOND_230 + timedelta(minutes=30)), "fr", PARIS)
    assert email.subject == "Rendez-vous confirmé : dimanche 31 octobre 2027 à 2 h 30 (heure d'hiver)"
    sms = render("reminder", context(start=FIRST_245, end=FIRST_245 + timedelta(minutes=30)), "fr", PARIS,
                 channel="sms")
    assert "2h45 (ete)" in sms.text or "2h45 (été)" in sms.text
