"""The pure feed builder: valid RFC 5545 for icalendar and for vobject, privacy per level."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import vobject

from calendar_sync.feed import FeedAppointment, FeedSettings, FeedWindow, build_feed, event_text
from calendar_sync.models import FeedLevel

NOW = datetime(2026, 11, 30, 8, tzinfo=UTC)
PATIENT = dict(service="Consultation adulte", first_name="Élise", last_name="Durand-Lefèvre",
               phone="+33612345678", comment="Douleur lombaire; depuis 3 jours, surtout le matin")


def appointment(id=1, hours=26, status="not_filled", version=1, **extra) -> FeedAppointment:
    start = NOW + timedelta(hours=hours)
    return FeedAppointment(id, version, start, start + timedelta(minutes=45), status, NOW - timedelta(days=2),
                           NOW - timedelta(days=1), **{**PATIENT, **extra})


def settings(level=FeedLevel.BUSY) -> FeedSettings:
    return FeedSettings("Camille Martin · Cabinet des Lilas", "Europe/Paris", "12 rue des Lilas, 75019 Paris",
                        "rdv.example.fr", level)


def build(level=FeedLevel.BUSY, appointments=None) -> str:
    return build_feed(settings(level), FeedWindow.around(NOW), appointments or [appointment()])


def test_feed_is_valid_rfc5545_text():
    text = build()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    calendar = icalendar.Calendar.from_ical(text)
    assert calendar["PRODID"] and calendar["VERSION"] == "2.0"
    assert calendar["X-WR-CALNAME"] == calendar["NAME"] == "Camille Martin · Cabinet des Lilas"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(minutes=15) and calendar["X-PUBLISHED-TTL"] == "PT15M"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    event = calendar.walk("VEVENT")[0]
    assert event["UID"] == "appointment-1@rdv.example.fr"
    assert event["DTSTAMP"].dt == NOW - timedelta(days=1)
    assert event["SEQUENCE"] == 1
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTSTART") == NOW + timedelta(hours=26)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
    assert event["LOCATION"] == "12 rue des Lilas, 75019 Paris"
    assert event["STATUS"] == "CONFIRMED"


def test_feed_is_accepted_by_vobject_as_an_independent_parser():
    text = build(FeedLevel.FULL, [appointment(1), appointment(2, hours=50, status="cancelled_by_patient", version=3)])
    calendar = vobject.readOne(text)
    events = sorted(calendar.vevent_list, key=lambda e: e.uid.value)
    assert [e.uid.value for e in events] == ["appointment-1@rdv.example.fr", "appointment-2@rdv.example.fr"]
    assert events[0].dtstart.value == NOW + timedelta(hours=26)
    assert events[0].dtstart.value.utcoffset() == timedelta(hours=1)  # Paris in winter, via VTIMEZONE
    assert events[0].summary.value == "Élise Durand-Lefèvre – Consultation adulte"
    assert events[0].description.value.endswith("Douleur lombaire; depuis 3 jours, surtout le matin")
    assert events[1].status.value == "CANCELLED" and events[1].sequence.value == "3"


def test_event_text_matches_what_icalendar_itself_writes():
    ours = icalendar.Calendar.from_ical(build(FeedLevel.FULL)).walk("VEVENT")[0]
    theirs = icalendar.Event.new(
        uid="appointment-1@rdv.example.fr", stamp=NOW - timedelta(days=1), created=NOW - timedelta(days=2),
        last_modified=NOW - timedelta(days=1), sequence=1, start=ours.decoded("DTSTART"), end=ours.decoded("DTEND"),
        summary=ours["SUMMARY"], location="12 rue des Lilas, 75019 Paris", description=ours["DESCRIPTION"],
        status="CONFIRMED", transparency="OPAQUE", classification="PRIVATE",
    )
    reparsed = icalendar.Event.from_ical(theirs.to_ical())
    for name in ("UID", "SEQUENCE", "SUMMARY", "LOCATION", "DESCRIPTION", "STATUS", "TRANSP", "CLASS"):
        assert str(ours[name]) == str(reparsed[name]), name
    for name in ("DTSTAMP", "CREATED", "LAST-MODIFIED", "DTSTART", "DTEND"):
        assert ours.decoded(name) == reparsed.decoded(name), name


@pytest.mark.parametrize("level, summary, description", [
    (FeedLevel.BUSY, "Rendez-vous", None),
    (FeedLevel.INITIALS, "É.D. – Consultation adulte", None),
    (FeedLevel.FULL, "Élise Durand-Lefèvre – Consultation adulte",
     "Tél. : +33612345678\nCommentaire : Douleur lombaire; depuis 3 jours, surtout le matin"),
])
def test_level_decides_what_an_event_says(level, summary, description):
    event = icalendar.Calendar.from_ical(build(level)).walk("VEVENT")[0]
    assert event["SUMMARY"] == summary
    assert event.get("DESCRIPTION") == description
    text = build(level)
    if level is not FeedLevel.FULL:
        assert "+33612345678" not in text and "Douleur" not in text
    if level is FeedLevel.BUSY:
        assert "Élise" not in text and "Durand" not in text and "Consultation" not in text


def test_cancelled_and_tentative_appointments():
    events = icalendar.Calendar.from_ical(build(appointments=[
        appointment(1, status="cancelled_by_practitioner", version=2), appointment(2, hours=30, status="to_confirm"),
        appointment(3, hours=50, status="held"),  # waiting for the patient's code (portal.booking.confirm)
    ])).walk("VEVENT")
    assert (events[0]["STATUS"], events[0]["TRANSP"], events[0]["SUMMARY"]) == ("CANCELLED", "TRANSPARENT", "[Annulé] Rendez-vous")
    assert events[0]["SEQUENCE"] == 2
    assert events[1]["STATUS"] == "TENTATIVE"
    assert events[2]["STATUS"] == "TENTATIVE"


def test_a_new_version_gets_new_text_and_an_unchanged_one_comes_from_the_cache():
    event_text.cache_clear()
    build(appointments=[appointment(1), appointment(2, hours=30)])
    build(appointments=[appointment(1), appointment(2, hours=32, version=2)])
    info = event_text.cache_info()
    assert (info.hits, info.misses) == (1, 3)


def test_window_is_fixed_for_a_day():
    assert FeedWindow.around(NOW) == FeedWindow.around(NOW + timedelta(hours=15))
    window = FeedWindow.around(NOW)
    assert window.start == datetime(2026, 9, 1, tzinfo=UTC)  # 90 days back
    assert window.end == datetime(2027, 12, 1, tzinfo=UTC)  # 365 days ahead, the whole last day
    assert window.cancelled_since == datetime(2026, 10, 31, tzinfo=UTC)


@pytest.mark.parametrize("start, minutes", [
    (datetime(2027, 10, 31, 1, 30, tzinfo=UTC), 30),  # 02:30 winter time: the second pass
    (datetime(2027, 10, 31, 0, 45, tzinfo=UTC), 45),  # 02:45 summer time to 02:30 winter time
    (datetime(2027, 10, 31, 0, 15, tzinfo=UTC), 30),  # 02:15 to 02:45, both summer time
])
def test_feed_event_in_the_repeated_hour_reads_as_the_right_instant(start, minutes):
    row = FeedAppointment(9, 1, start, start + timedelta(minutes=minutes), "not_filled", NOW, NOW)
    text = build_feed(settings(), FeedWindow.around(datetime(2027, 10, 1, tzinfo=UTC)), [row])
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == start and event.decoded("DTEND") == start + timedelta(minutes=minutes)
    other = vobject.readOne(text).vevent
    assert other.dtstart.value == start and other.dtend.value == start + timedelta(minutes=minutes)
