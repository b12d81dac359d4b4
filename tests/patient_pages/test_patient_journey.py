"""Booking pages as a patient meets them (issue 11): nothing lost, nobody locked out.

Each test names the issue's item it holds; the browser side is in test_browser_journey.py.
"""

from __future__ import annotations

import re

import pytest

from portal.models import Appointment
from tests.builders import OSTEO
from tests.patient_pages.test_booking_pages import TUESDAY_9, filled, form_url

BOOK = f"/p/{OSTEO}/book"


def attributes_of(html: str, element_id: str) -> set[str]:
    """The attribute names of the element with this id, as a browser parses them."""
    tag = re.search(rf'<(?:input|textarea)\s[^>]*\bid="{element_id}"[^>]*>', html).group(0)
    return set(re.findall(r'\s([a-z-]+)(?==|\s|>)', tag))


# Item 1: choices survive an error.
async def test_a_refused_form_keeps_every_box_ticked(client):
    form = await client.get(form_url(TUESDAY_9))
    sent = await client.post(BOOK, data=filled(form.text, birth_date="31/13/1987", email_reminders="1",
                                               sms_reminders="1"))
    assert sent.status_code == 422
    for box in ("privacy_notice", "email_reminders", "sms_reminders"):
        assert "checked" in attributes_of(sent.text, box), box
    assert "aria-describedby" in attributes_of(sent.text, "sms_reminders")
    assert "checked" not in attributes_of(form.text, "sms_reminders")


# Item 3: dates as people type them.
@pytest.mark.parametrize("typed", ["12/04/1987", "12041987", "12 04 1987", "1987-04-12", "12.04.1987", "12-4-1987"])
async def test_the_birth_date_accepts_what_phones_produce(client, typed):
    form = await client.get(form_url(TUESDAY_9))
    sent = await client.post(BOOK, data=filled(form.text, birth_date=typed))
    assert sent.status_code == 303, re.findall(r'class="error-message"[^>]*>(.*?)</p>', sent.text, re.S)
    appointment = await Appointment.get().prefetch_related("patient")
    assert appointment.patient.birth_date.isoformat() == "1987-04-12"


@pytest.mark.parametrize("typed, says", [
    ("31/02/1990", "Cette date n&#39;existe pas"),
    ("31021990", "Cette date n&#39;existe pas"),
    ("12/04/87", "JJ/MM/AAAA"),
    ("hier", "JJ/MM/AAAA"),
])
async def test_an_impossible_birth_date_is_refused_with_a_clear_message(client, typed, says):
    form = await client.get(form_url(TUESDAY_9))
    sent = await client.post(BOOK, data=filled(form.text, birth_date=typed))
    assert sent.status_code == 422
    message = re.search(r'id="birth_date-error">(.*?)</p>', sent.text, re.S).group(1)
    assert says in message
    assert await Appointment.all().count() == 0


# Item 11: a mobile field takes mobiles.
async def test_a_landline_with_sms_reminders_is_refused_clearly(client):
    form = await client.get(form_url(TUESDAY_9))
    sent = await client.post(BOOK, data=filled(form.text, phone="01 42 00 00 00", sms_reminders="1"))
    assert sent.status_code == 422
    message = re.search(r'id="phone-error">(.*?)</p>', sent.text, re.S).group(1)
    assert "fixe" in message and "mobile" in message
    english = await client.post(BOOK + "?lang=en", data=filled(form.text, phone="01 42 00 00 00", sms_reminders="1"))
    assert "landline" in re.search(r'id="phone-error">(.*?)</p>', english.text, re.S).group(1)


async def test_without_sms_a_landline_is_accepted_and_the_field_says_so(client):
    form = await client.get(form_url(TUESDAY_9))
    assert '<label for="phone">Téléphone</label>' in form.text
    hint = re.search(r'id="phone-hint">(.*?)</p>', form.text, re.S).group(1)
    assert "mobile" in hint and "fixe" in hint
    sent = await client.post(BOOK, data=filled(form.text, phone="01 42 00 00 00"))
    assert sent.status_code == 303
