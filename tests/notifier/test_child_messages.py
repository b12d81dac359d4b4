"""A child's appointment in the patient's e-mails: every one says for whom, by the child's first
name only, as the confirmation does ("Pour : Léa"); the adult is greeted by no name."""

from email import message_from_bytes, policy

import pytest

from notifier.worker import drain_once
from portal.booking.manage import cancel_appointment
from tests.booking.test_child_booking import book_child
from tests.builders import load_demo, paris, patient_ctx


def last_email(channels, subject_start: str):
    parsed = [message_from_bytes(m.message.as_bytes(), policy=policy.default) for m in channels["email"].sent]
    message = next((m for m in reversed(parsed) if m["Subject"].startswith(subject_start)), None)
    assert message, [m["Subject"] for m in parsed]
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


@pytest.mark.parametrize(("locale", "subject", "label"), [("fr", "Rendez-vous annulé :", "Pour : Léa"),
                                                          ("en", "Appointment cancelled:", "For: Léa")])
async def test_the_cancellation_says_for_which_child_like_the_confirmation(database, settings, channels, clock, now,
                                                                           locale, subject, label):
    await load_demo()
    result = await book_child(paris(2026, 12, 2, 11), now, locale=locale)
    await drain_once(settings, channels, now=clock)
    confirmation, _ = last_email(channels, "Rendez-vous confirmé" if locale == "fr" else "Appointment confirmed")
    assert label in confirmation
    await cancel_appointment(patient_ctx(clock()), result.manage_token)
    await drain_once(settings, channels, now=clock)
    text, html = last_email(channels, subject)
    assert label in text, text
    assert "Léa" in html and "Durand" not in text and "Durand" not in html  # first name only
    assert "Marie" not in text  # the adult is greeted by no name
