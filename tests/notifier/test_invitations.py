"""Issue 12 item 2: invitations that calendar apps keep right, read back with two independent
parsers (icalendar and vobject): RRULE-based VTIMEZONE, a description with the manage link and
the practice's address and phone in the patient's language, replies going to the practice's
own address (or none solicited), and Message-IDs unique across re-created databases."""

from datetime import UTC, datetime, timedelta

import vobject
from icalendar import Calendar

from notifier.mime import Envelope, compose
from notifier.render import RenderedEmail
from notifier.worker import drain_once
from portal.booking.manage import cancel_appointment
from portal.models import Practice
from tests.builders import book, load_demo, paris, patient_ctx


def invitation(channels, to: str = "elise.durand@example.org") -> tuple[bytes, str]:
    message = next(m for m in reversed(channels["email"].sent) if m.recipients[0] == to).message
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return part.get_payload(decode=True), part.get_param("method")


async def test_summer_and_winter_times_come_out_right_in_both_parsers(database, settings, channels, clock, now):
    await load_demo()
    summer = datetime(2027, 6, 28, 8, tzinfo=UTC)
    await book(paris(2027, 7, 6, 11), summer)  # summer time (+02:00), the case classic Outlook shifted
    clock.set(summer)
    await drain_once(settings, channels, now=clock)
    ics, method = invitation(channels)
    assert method == "REQUEST"
    zone = Calendar.from_ical(ics).walk("VTIMEZONE")[0]
    rules = {sub.name: sub["RRULE"].to_ical().decode() for sub in zone.subcomponents}
    assert rules == {"DAYLIGHT": "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "STANDARD": "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"}
    assert b"RDATE" not in ics
    parsed = vobject.readOne(ics.decode())  # builds its time zone from the VTIMEZONE's rules
    start = parsed.vevent.dtstart.value
    assert start.utcoffset() == timedelta(hours=2) and start.astimezone(UTC) == datetime(2027, 7, 6, 9, tzinfo=UTC)
    winter = start.tzinfo.utcoffset(datetime(2027, 12, 6, 11))
    assert winter == timedelta(hours=1)


async def test_the_description_says_how_to_manage_where_and_whom_to_call(database, settings, channels, clock, now):
    await load_demo()
    french = await book(paris(2026, 12, 1, 11), now)
    await drain_once(settings, channels, now=clock)
    event = vobject.readOne(invitation(channels)[0].decode()).vevent
    text = event.description.value
    assert f"https://rdv.example.fr/b/{french.manage_token}" in text
    assert "12 rue des Lilas, 75019 Paris" in text and "Tél. : 01 42 00 00 00" in text
    assert "n'annule pas" in text
    english = await book(paris(2026, 12, 2, 11), now, locale="en")
    await drain_once(settings, channels, now=clock)
    text = vobject.readOne(invitation(channels)[0].decode()).vevent.description.value
    assert f"/b/{english.manage_token}" in text and "Phone: +33 1 42 00 00 00" in text and "To move or cancel" in text


async def test_replies_go_to_the_practice_or_are_not_solicited(database, settings, channels, clock, now):
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    await drain_once(settings, channels, now=clock)
    event = Calendar.from_ical(invitation(channels)[0]).walk("VEVENT")[0]
    assert str(event["ORGANIZER"]) == "mailto:contact@cabinet-des-lilas.example"
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"

    await Practice.all().update(email="")  # a practice with no address to read replies
    result = await book(paris(2026, 12, 2, 11), now)
    await drain_once(settings, channels, now=clock)
    ics, method = invitation(channels)
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert method == "PUBLISH" and Calendar.from_ical(ics)["METHOD"] == "PUBLISH"
    assert "ORGANIZER" not in event and "ATTENDEE" not in event
    await cancel_appointment(patient_ctx(clock()), result.manage_token)
    await drain_once(settings, channels, now=clock)
    ics, method = invitation(channels)
    assert method == "PUBLISH" and Calendar.from_ical(ics).walk("VEVENT")[0]["STATUS"] == "CANCELLED"


def test_message_ids_differ_across_re_created_databases():
    """Row 1 of a new database is not row 1 of the old one for the receiving side."""
    rendered = RenderedEmail("Sujet", "texte", "<p>html</p>")
    now = datetime(2026, 11, 30, 8, tzinfo=UTC)
    ids = {compose(Envelope(row_id=1, host="rdv.example.fr", created=created, from_name="Cabinet",
                            from_addr="no-reply@rdv.example.fr", to_name="Élise", to_addr="e@example.org"),
                   rendered, now).message_id for created in (now, now + timedelta(days=30))}
    assert len(ids) == 2 and all(mid.startswith("<outbox-1.") for mid in ids)
    retry = compose(Envelope(row_id=1, host="rdv.example.fr", created=now, from_name="Cabinet",
                             from_addr="no-reply@rdv.example.fr", to_name="Élise", to_addr="e@example.org"),
                    rendered, now + timedelta(hours=1))
    assert retry.message_id in ids  # a retry keeps its Message-ID


async def test_a_cancelled_event_does_not_invite_to_move_or_cancel(database, settings, channels, clock, now):
    """The cancellation's .ics: the event is cancelled, its description says so, keeps where and
    whom to call, and neither offers to move or cancel it nor explains declining."""
    await load_demo()
    for locale, words in (("fr", ("déplacer ou annuler", "n'annule pas")), ("en", ("move or cancel", "Declining"))):
        result = await book(paris(2026, 12, 1 if locale == "fr" else 2, 11), now, locale=locale)
        await drain_once(settings, channels, now=clock)
        await cancel_appointment(patient_ctx(clock()), result.manage_token)
        await drain_once(settings, channels, now=clock)
        ics, method = invitation(channels)
        assert method == "CANCEL"
        event = vobject.readOne(ics.decode()).vevent
        text = event.description.value
        assert not any(word in text for word in words), text
        assert ("Ce rendez-vous est annulé." if locale == "fr" else "This appointment is cancelled.") in text
        assert "12 rue des Lilas, 75019 Paris" in text
