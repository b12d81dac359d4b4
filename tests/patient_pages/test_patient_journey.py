"""Booking pages as a patient meets them (issue 11): nothing lost, nobody locked out.

Each test names the issue's item it holds; the browser side is in test_browser_journey.py.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest

from portal.models import Appointment, BusyBlock, OutboxMessage, Practice, Practitioner
from tests.builders import OSTEO, book, consents, load_demo, paris
from tests.patient_pages.conftest import csrf_token, hidden
from tests.patient_pages.test_booking_pages import TUESDAY_9, WEEK, filled, form_url

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


# Item 4: switching language keeps the page.
async def test_switching_language_on_a_refused_form_keeps_the_slot_and_the_fields(client):
    form = await client.get(form_url(TUESDAY_9))
    refused = await client.post(BOOK, data=filled(form.text, birth_date="31/02/1990", sms_reminders="1"))
    assert refused.status_code == 422
    switch = re.search(r'<button type="submit" form="booking-form"[^>]*name="switch_language" value="en"'
                       r'[^>]*formaction="([^"]+)"', refused.text)
    assert switch, "the language switch of the form page must re-send the form"
    switched = await client.post(switch.group(1).replace("&amp;", "&"),
                                 data=filled(refused.text, birth_date="31/02/1990", sms_reminders="1",
                                             switch_language="en"))
    assert switched.status_code == 200
    assert '<html lang="en">' in switched.text and "3. Your details" in switched.text
    assert "Tuesday 1 December 2026 at 9:00\u00a0AM" in switched.text
    assert 'value="Durand"' in switched.text and 'value="31/02/1990"' in switched.text
    assert "checked" in attributes_of(switched.text, "sms_reminders")
    assert "lang=en" in switched.headers["set-cookie"]
    assert await Appointment.all().count() == 0


def submit_buttons(html: str, form_id: str) -> list[dict]:
    """The submit buttons whose form owner is `form_id`, in tree order (inside the form, or
    outside it with form="…"): the first is the one Enter in a field (or a phone keyboard's
    "Go") presses."""
    from html.parser import HTMLParser

    class Buttons(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.found = False, []

        def handle_starttag(self, tag, attrs):
            attributes = dict(attrs)
            if tag == "form":
                self.inside = attributes.get("id") == form_id
            submit = ((tag == "button" and attributes.get("type", "submit") == "submit")
                      or (tag == "input" and attributes.get("type") in ("submit", "image")))
            if submit and (attributes.get("form") == form_id or (self.inside and "form" not in attributes)):
                self.found.append(attributes)

        def handle_endtag(self, tag):
            if tag == "form":
                self.inside = False

    parser = Buttons()
    parser.feed(html)
    return parser.found


async def test_enter_in_a_field_books_rather_than_switching_language(client):
    """The header's language switch re-sends the form, so it is one of its submit buttons, and
    the first in the page: Enter in a field pressed it, and the patient got the form back in
    English instead of a booking (or of the errors to correct)."""
    form = await client.get(form_url(TUESDAY_9))
    refused = await client.post(BOOK, data=filled(form.text, birth_date="31/02/1990"))
    for page in (form.text, refused.text):
        buttons = submit_buttons(page, "booking-form")
        assert any(b.get("name") == "switch_language" for b in buttons)
        default = buttons[0]
        assert "name" not in default and "formaction" not in default, default


# Item 6: a double tap books once and says so.
async def test_the_same_form_sent_twice_shows_the_booking_made_by_the_first(client):
    form = await client.get(form_url(TUESDAY_9))
    data = filled(form.text, form_key=hidden(form.text, "form_key"))
    first = await client.post(BOOK, data=data)
    second = await client.post(BOOK, data=data)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"]
    assert await Appointment.all().count() == 1


async def test_two_taps_at_once_book_once(client):
    form = await client.get(form_url(TUESDAY_9))
    data = filled(form.text, form_key=hidden(form.text, "form_key"))
    answers = await asyncio.gather(client.post(BOOK, data=data), client.post(BOOK, data=data))
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert await Appointment.all().count() == 1


async def test_a_refused_submit_frees_the_form_for_the_corrected_one(client):
    form = await client.get(form_url(TUESDAY_9))
    key = hidden(form.text, "form_key")
    refused = await client.post(BOOK, data=filled(form.text, form_key=key, email="nope"))
    assert refused.status_code == 422 and hidden(refused.text, "form_key") == key
    fixed = await client.post(BOOK, data=filled(refused.text, form_key=key))
    assert fixed.status_code == 303
    other = await client.post(BOOK, data=filled(form.text, form_key=key, first_name="Léo",
                                                start="2026-12-01T10:00:00+01:00"))
    assert other.status_code == 303 and other.headers["location"] != fixed.headers["location"]
    assert await Appointment.all().count() == 2


# Item 5: embedding works, CSRF stays sound without a third-party cookie.
async def _token_without_cookie(make_client) -> tuple[str, str]:
    await load_demo()
    async with make_client() as fresh:
        form = await fresh.get(form_url(TUESDAY_9))
    return form.text, csrf_token(form.text)


async def test_a_same_origin_post_needs_no_cookie_as_in_a_third_party_iframe(make_client):
    html, _ = await _token_without_cookie(make_client)
    async with make_client() as iframe:  # its cookies never reach the server: a new client, no jar
        sent = await iframe.post(BOOK, data=filled(html), headers={"sec-fetch-site": "same-origin",
                                                                  "origin": "http://testserver"})
    assert sent.status_code == 303
    assert await Appointment.all().count() == 1


async def test_a_post_from_another_site_is_refused_even_with_the_cookie(client):
    form = await client.get(form_url(TUESDAY_9))
    for headers in ({"sec-fetch-site": "cross-site", "origin": "http://evil.example"},
                    {"sec-fetch-site": "same-site", "origin": "http://sub.testserver"},
                    {"origin": "http://evil.example"}, {"origin": "null"}):
        sent = await client.post(BOOK, data=filled(form.text), headers=headers)
        assert sent.status_code == 403, headers
    assert await Appointment.all().count() == 0
    origin_only = await client.post(BOOK, data=filled(form.text), headers={"origin": "http://testserver"})
    assert origin_only.status_code == 303


async def test_without_fetch_metadata_the_cookie_is_still_required(make_client):
    html, _ = await _token_without_cookie(make_client)
    async with make_client() as old_browser:
        sent = await old_browser.post(BOOK, data=filled(html))
        assert sent.status_code == 403
        forged = await old_browser.post(BOOK, data=filled(html, csrf_token="forged"),
                                        headers={"sec-fetch-site": "same-origin"})
        assert forged.status_code == 403
    assert await Appointment.all().count() == 0


# Item 8: the cut-off is visible before it binds.
async def test_default_reminders_arrive_while_the_patient_can_still_act(client, frozen):
    practice = await Practice.get(slug="cabinet-des-lilas")
    assert practice.cancellation_cutoff_hours == 24
    result = await book(paris(2026, 12, 4, 11), frozen, consents=consents(email_reminders=True, sms_reminders=True))
    reminders = await OutboxMessage.filter(appointment_id=result.appointment_id, kind="reminder").order_by("channel")
    closes = paris(2026, 12, 4, 11) - timedelta(hours=practice.cancellation_cutoff_hours)
    assert [(m.channel, closes - m.due_at >= timedelta(hours=12)) for m in reminders] == [("email", True), ("sms", True)]


async def test_slots_inside_the_cutoff_are_marked_on_the_week_and_the_form(client):
    week = (await client.get(WEEK)).text  # now: Monday 30 November, 9:00 in Paris
    today_11 = re.search(r'<a class="slot late"[^>]*id="slot-20261130T1000Z"[^>]*aria-label="([^"]+)"', week)
    assert today_11 and today_11.group(1).endswith(", ne pourra plus être modifié en ligne")
    assert re.search(r'<a class="slot"[^>]*id="slot-20261201T0900Z"', week)  # Tuesday 10:00: 25 h ahead
    assert "Moins de 24 heures avant : ce rendez-vous ne pourra plus être modifié ni annulé en ligne." in week
    late_form = await client.get(form_url(paris(2026, 11, 30, 11)))
    assert "il ne pourra plus être modifié ni annulé en ligne" in late_form.text
    assert 'href="tel:+33142000000"' in late_form.text
    assert "ne pourra plus être modifié" not in (await client.get(form_url(paris(2026, 12, 1, 10)))).text


# Item 9: a week that fits a phone.
async def test_a_day_shows_its_first_slots_and_the_rest_behind_a_details(client):
    week = (await client.get(WEEK + "&week=2026-12-07")).text
    monday = week[week.index('id="day-2026-12-07"'):week.index('id="day-2026-12-08"')]
    shown, more = monday.split('<details class="more-slots">')
    assert len(re.findall(r'class="slot[ "]', shown)) == 4
    assert "Plus de créneaux (" in more and len(re.findall(r'class="slot[ "]', more)) >= 4
    outside_details = re.sub(r"<details.*?</details>", "", week, flags=re.S)
    assert len(re.findall(r'class="slot[ "]', outside_details)) <= 6 * 4  # was up to 146 links in a row
    labels = re.findall(r'class="slot[^"]*"[^>]*aria-label="([^"]+)"', week)
    assert labels and all(re.fullmatch(r"\w+ \d{1,2} décembre 2026 à \d{1,2}\u00a0h\u00a0\d{2}", label) for label in labels)


async def test_closed_and_full_days_say_which(client, frozen):
    practitioner = await Practitioner.get(slug=OSTEO)
    await BusyBlock.create(practitioner=practitioner, starts_at=paris(2026, 12, 12, 8), ends_at=paris(2026, 12, 12, 13))
    week = (await client.get(WEEK + "&week=2026-12-07")).text
    saturday = week[week.index('id="day-2026-12-12"'):week.index('id="day-2026-12-13"')]
    sunday = week[week.index('id="day-2026-12-13"'):]
    assert "Complet" in saturday and "Fermé" not in saturday
    assert "Fermé" in sunday.split("</section>")[0]
    english = (await client.get(WEEK + "&week=2026-12-07&lang=en")).text
    assert "Closed" in english and "Fully booked" in english


async def test_the_move_page_opens_on_the_appointments_week(client, frozen):
    result = await book(paris(2026, 12, 16, 10), frozen)
    page = await client.get(f"/b/{result.manage_token}/move")
    assert 'id="day-2026-12-14"' in page.text and 'id="day-2026-11-30"' not in page.text
    assert "Semaine précédente" in page.text


# Item 10: what patients expect to see.
async def test_prices_are_shown_when_the_practice_set_them(client):
    french = (await client.get(f"/p/{OSTEO}")).text
    assert "45 min · 60\u00a0€" in french and "30 min · 50\u00a0€" in french
    assert "60\u00a0€" in (await client.get(form_url(TUESDAY_9))).text
    assert "€" not in (await client.get("/p/hugo-bernard")).text  # no price set: nothing shown
    assert "€60" in (await client.get(f"/p/{OSTEO}?lang=en")).text


async def test_the_confirmation_page_says_where_the_email_went(client):
    form = await client.get(form_url(TUESDAY_9))
    sent = await client.post(BOOK, data=filled(form.text, email="Elise@Example.org"))
    page = await client.get(sent.headers["location"])
    assert "Un e-mail de confirmation est envoyé à elise@example.org" in page.text
    assert "60\u00a0€" in page.text


async def test_call_the_practice_only_with_its_number(client):
    form = await client.get(form_url(TUESDAY_9))
    robot = await client.post(BOOK, data=filled(form.text, website="http://spam.example"))
    assert robot.status_code == 400 and 'href="tel:+33142000000"' in robot.text
    await Practice.filter(slug="cabinet-des-lilas").update(phone="")
    robot = await client.post(BOOK, data=filled(form.text, website="http://spam.example"))
    assert "appel" not in robot.text.lower()
    nothing = await client.get(WEEK + "&none=1")  # where "first available" sends when nothing is free
    assert "est proposé en ligne pour le moment." in nothing.text
    assert "appel" not in nothing.text.lower()


async def test_an_evening_says_today_is_over_not_full(client, monkeypatch):
    """At 21:00 on a Monday the practice's hours are over: today has no slot left because the
    time has passed, not because it is booked up; a patient must not read 'Complet'."""
    import portal.clock
    monkeypatch.setattr(portal.clock, "utcnow", lambda: paris(2026, 11, 30, 21))
    week = (await client.get(WEEK)).text
    today = week[week.index('id="day-2026-11-30"'):week.index('id="day-2026-12-01"')]
    assert "Plus de créneau aujourd'hui." in today and "Complet" not in today
    assert 'id="day-2026-11-29"' not in week  # past days of this week are not listed at all
    tuesday = week[week.index('id="day-2026-12-01"'):week.index('id="day-2026-12-02"')]
    assert 'class="slot' in tuesday
    english = (await client.get(WEEK + "&lang=en")).text
    today_en = english[english.index('id="day-2026-11-30"'):english.index('id="day-2026-12-01"')]
    assert "No more slots today" in today_en and "Fully booked" not in today_en


async def test_a_day_closed_by_the_notice_says_too_late_not_full(client, monkeypatch):
    """With 48 hours' notice, on Monday evening Tuesday and Wednesday are out of reach: too late
    to book them online, not booked up."""
    import portal.clock
    from portal.models import Service
    from tests.builders import OSTEO_SERVICE
    await Service.filter(slug=OSTEO_SERVICE).update(min_notice_minutes=48 * 60)
    monkeypatch.setattr(portal.clock, "utcnow", lambda: paris(2026, 11, 30, 21))
    week = (await client.get(WEEK)).text
    tuesday = week[week.index('id="day-2026-12-01"'):week.index('id="day-2026-12-02"')]
    assert "Trop tard pour réserver ce jour-là en ligne." in tuesday and "Complet" not in tuesday


async def test_a_day_booked_up_by_noon_still_says_full_in_the_afternoon(client, frozen, monkeypatch):
    """Mixed case: hours left today, all of them taken: that is 'Complet', not 'over'."""
    import portal.clock
    monkeypatch.setattr(portal.clock, "utcnow", lambda: paris(2026, 11, 30, 12))
    practitioner = await Practitioner.get(slug=OSTEO)
    await BusyBlock.create(practitioner=practitioner, starts_at=paris(2026, 11, 30, 12), ends_at=paris(2026, 11, 30, 23))
    week = (await client.get(WEEK)).text
    today = week[week.index('id="day-2026-11-30"'):week.index('id="day-2026-12-01"')]
    assert "Complet" in today and "Plus de créneau" not in today
