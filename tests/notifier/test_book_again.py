"""A cancellation says how to book again (issue 11, item 10): the practitioner's booking page in
the e-mail and in the SMS (one GSM-7 segment), the practice's phone only when it has one. At the
"minimal" SMS level (the default) the SMS links to the practice's page instead: the practitioner's
page has their name in its address (issue 14 item 5)."""

from email.header import decode_header, make_header

from notifier import gsm
from notifier.worker import drain_once
from portal.booking.manage import cancel_appointment
from portal.models import Practice
from tests.builders import book, load_demo, paris, patient_ctx

BOOK_AGAIN = "https://rdv.example.fr/p/camille-martin"
PRACTICE_PAGE = "https://rdv.example.fr/c/cabinet-des-lilas"


def _text(message) -> str:
    return next(part for part in message.message.walk() if part.get_content_type() == "text/plain").get_payload(decode=True).decode()


def _html(message) -> str:
    return next(part for part in message.message.walk() if part.get_content_type() == "text/html").get_payload(decode=True).decode()


async def _cancelled(settings, channels, clock, now, locale="fr"):
    result = await book(paris(2026, 12, 1, 11), now, locale=locale)
    await drain_once(settings, channels, now=clock)
    channels["email"].sent.clear(), channels["sms"].sent.clear()
    await cancel_appointment(patient_ctx(now), result.manage_token)
    await drain_once(settings, channels, now=clock)
    email = next(m for m in channels["email"].sent if m.recipients == ("elise.durand@example.org",))
    return email, channels["sms"].sent[0]


async def test_the_cancellation_email_and_sms_link_to_booking_again(any_database, settings, channels, clock, now):
    await load_demo()
    email, sms = await _cancelled(settings, channels, clock, now)
    assert "annulé" in str(make_header(decode_header(email.message["Subject"])))
    assert BOOK_AGAIN in _text(email) and f'href="{BOOK_AGAIN}"' in _html(email)
    assert "appelez le cabinet au 01 42 00 00 00" in _text(email)  # written the French way (issue 12)
    assert PRACTICE_PAGE in sms.text and "camille" not in sms.text.lower() and gsm.fits_one_segment(sms.text)


async def test_without_a_phone_no_call_the_practice_sentence(any_database, settings, channels, clock, now):
    await load_demo()
    await Practice.filter(slug="cabinet-des-lilas").update(phone="", sms_detail="standard")
    email, sms = await _cancelled(settings, channels, clock, now, locale="en")
    assert BOOK_AGAIN in _text(email) and "call the practice" not in _text(email).lower()
    assert "Book again: " + BOOK_AGAIN in sms.text and gsm.fits_one_segment(sms.text)
