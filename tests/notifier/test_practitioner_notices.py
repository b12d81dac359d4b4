"""Issue 12 items 3 and 6: the practitioner's notice of a booking, move or cancellation carries
the feed's own event (same UID, at the feed's level) so it lands in their calendar at once; a
move says old and new time; e-mails speak each language (profession, phone numbers); a
practitioner without an address gets no notice instead of a failure."""

import httpx2
import vobject
from icalendar import Calendar

from calendar_sync.tokens import create_feed_token
from creneau.app import create_app
from notifier.worker import drain_once
from portal.booking.manage import cancel_appointment, reschedule_appointment
from portal.models import OutboxMessage, Practice, Practitioner
from tests.builders import book, load_demo, paris, patient_ctx, system

CAMILLE = "camille.martin@cabinet-des-lilas.example"


def notices(channels, to: str = CAMILLE) -> list:
    return [m.message for m in channels["email"].sent if m.recipients == (to,)]


def calendar_of(message) -> tuple[Calendar, str] | None:
    part = next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)
    return (Calendar.from_ical(part.get_payload(decode=True)), part.get_param("method")) if part else None


def text_of(message) -> str:
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split(" "))


async def test_each_notice_carries_the_feeds_event_at_the_feeds_level(database, settings, channels, clock, now):
    await load_demo()
    issued = await create_feed_token(system(now), "camille-martin", level="initials")
    result = await book(paris(2026, 12, 1, 11), now)
    await drain_once(settings, channels, now=clock)
    calendar, method = calendar_of(notices(channels)[-1])
    event = calendar.walk("VEVENT")[0]
    assert method == "REQUEST" and str(event["SUMMARY"]) == "É.D. – Consultation adulte"
    # The same event as the subscribed feed's: one UID, one SEQUENCE, one summary.
    app = create_app(settings, manage_db=False, run_background=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="https://rdv.example.fr") as client:
        feed = (await client.get(f"/feeds/{issued.token}.ics")).text
    feed_event = next(e for e in vobject.readOne(feed).vevent_list
                      if e.uid.value == f"appointment-{result.appointment_id}@rdv.example.fr")
    assert str(event["UID"]) == feed_event.uid.value and int(event["SEQUENCE"]) == int(feed_event.sequence.value)
    assert str(event["SUMMARY"]) == feed_event.summary.value
    # The feed's VTIMEZONE has yearly rules too (classic Outlook mishandles RDATE-only zones).
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in feed and "RDATE" not in feed

    await reschedule_appointment(patient_ctx(now), result.manage_token, paris(2026, 12, 2, 11))
    await drain_once(settings, channels, now=clock)
    moved = notices(channels)[-1]
    text = text_of(moved)
    assert "déplacé" in text and "mardi 1 décembre 2026 à 11 h 00" in text and "mercredi 2 décembre 2026 à 11 h 00" in text
    calendar, method = calendar_of(moved)
    assert method == "REQUEST" and int(calendar.walk("VEVENT")[0]["SEQUENCE"]) == 2

    await cancel_appointment(patient_ctx(now), result.manage_token)
    await drain_once(settings, channels, now=clock)
    calendar, method = calendar_of(notices(channels)[-1])
    assert method == "CANCEL" and calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


async def test_without_a_feed_the_event_says_busy_and_a_practice_can_turn_invitations_off(database, settings, channels,
                                                                                          clock, now):
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    await drain_once(settings, channels, now=clock)
    calendar, _ = calendar_of(notices(channels)[-1])
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == "Rendez-vous"
    await Practice.all().update(practitioner_invitations=False)
    await book(paris(2026, 12, 2, 11), now)
    await drain_once(settings, channels, now=clock)
    assert calendar_of(notices(channels)[-1]) is None and len(notices(channels)) == 2


async def test_english_emails_give_the_profession_and_phones_in_english(database, settings, channels, clock, now):
    await load_demo()
    await book(paris(2026, 12, 1, 11), now, locale="en")
    await book(paris(2026, 12, 2, 11), now)
    await drain_once(settings, channels, now=clock)
    english, french = [text_of(m) for m in notices(channels, "elise.durand@example.org")]
    assert "Osteopath" in english and "Ostéopathe" not in english and "+33 1 42 00 00 00" in english
    assert "Ostéopathe" in french and "01 42 00 00 00" in french


async def test_a_practitioner_without_an_address_gets_no_notice_and_no_failure(database, settings, channels, clock, now):
    await load_demo()
    await Practitioner.filter(slug="camille-martin").update(email="")
    await book(paris(2026, 12, 1, 11), now)
    stats = await drain_once(settings, channels, now=clock)
    assert "failed" not in stats.outcomes
    row = await OutboxMessage.get(audience="practitioner")
    assert row.status == "cancelled" and row.last_error == "practitioner has no e-mail address"


async def test_every_subject_and_address_parses_back_as_one_clean_line(database, settings, channels, clock, now):
    """Read back as a mail client does (Python's parser, policy=default): each notice's and each
    patient message's Subject, From and To are the text written, with no leading space (compat32
    folded a long encoded Subject right after "Subject:") and no line break."""
    from email import message_from_bytes, policy

    await load_demo()
    await Practice.all().update(name="Cabinet de kinésithérapie et d'ostéopathie des Lilas, Paris 19e")
    result = await book(paris(2026, 12, 1, 11), now)
    await drain_once(settings, channels, now=clock)
    await reschedule_appointment(patient_ctx(clock()), result.manage_token, paris(2026, 12, 2, 11).isoformat())
    await drain_once(settings, channels, now=clock)
    await cancel_appointment(patient_ctx(clock()), result.manage_token)
    await drain_once(settings, channels, now=clock)
    subjects = []
    for sent in channels["email"].sent:
        parsed = message_from_bytes(sent.message.as_bytes(), policy=policy.default)
        for name in ("Subject", "From", "To"):
            value = str(parsed[name])
            assert value == value.strip() and "\n" not in value and "\r" not in value, (name, value)
        subjects.append(" ".join(str(parsed["Subject"]).replace("\u202f", " ").replace("\xa0", " ").split(" ")))
    assert "Nouveau rendez-vous en ligne : mardi 1 décembre 2026 à 11 h 00" in subjects
    assert any(subject.startswith("Rendez-vous déplacé en ligne : ") for subject in subjects)
    assert any(subject.startswith("Rendez-vous annulé par le patient : ") for subject in subjects)
