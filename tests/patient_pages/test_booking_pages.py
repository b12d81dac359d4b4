"""The booking flow over HTTP: pages in both languages, the form, its errors, its guards."""

from __future__ import annotations

import re
from urllib.parse import quote

from portal.models import Appointment, ConsentRecord
from portal.patients.consent_texts import PRIVACY_NOTICE_VERSION
from tests.builders import OSTEO, OSTEO_SERVICE, book, load_demo, paris
from tests.patient_pages.conftest import csrf_token, hidden

WEEK = f"/p/{OSTEO}?service={OSTEO_SERVICE}"
TUESDAY_9 = paris(2026, 12, 1, 9)


def form_url(start) -> str:
    return f"/p/{OSTEO}/book?service={OSTEO_SERVICE}&start={quote(start.isoformat())}"


def filled(html: str, **overrides) -> dict:
    data = {
        "csrf_token": csrf_token(html), "service": OSTEO_SERVICE, "start": hidden(html, "start"),
        "civility": "mme", "first_name": "Élise", "last_name": "Durand", "email": "elise@example.org",
        "phone": "06 12 34 56 78", "birth_date": "12/04/1987", "comment": "", "privacy_notice": "1",
        "privacy_version": hidden(html, "privacy_version"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


async def test_every_page_renders_in_french_and_english(client):
    for path in ("/", "/c/cabinet-des-lilas", "/privacy", f"/p/{OSTEO}", WEEK, form_url(TUESDAY_9)):
        french = await client.get(path, headers={"accept-language": "fr-FR"})
        english = await client.get(path, headers={"accept-language": "en-GB,en;q=0.9"})
        assert french.status_code == english.status_code == 200, path
        assert '<html lang="fr">' in french.text and '<html lang="en">' in english.text
        assert "Aller au contenu principal" in french.text and "Skip to main content" in english.text


async def test_language_switch_is_a_link_remembered_in_a_cookie(client):
    page = await client.get("/")
    assert 'href="/?lang=en" lang="en" hreflang="en">English</a>' in page.text
    switched = await client.get("/?lang=en")
    assert "lang=en" in switched.headers["set-cookie"] and "httponly" in switched.headers["set-cookie"].lower()
    assert '<html lang="en">' in (await client.get("/privacy")).text


async def test_week_lists_slots_named_with_full_date_and_time(client):
    french = (await client.get(WEEK)).text
    assert 'aria-label="mardi 1 décembre 2026 à 9\u00a0h\u00a000">9\u00a0h\u00a000</a>' in french
    assert "Semaine suivante" in french and "Semaine précédente" not in french  # this week holds today
    english = (await client.get(WEEK, headers={"accept-language": "en"})).text
    assert 'aria-label="Tuesday 1 December 2026 at 9:00\u00a0AM">9:00\u00a0AM</a>' in english
    later = await client.get(WEEK + "&week=2026-12-07")
    assert "Lundi 7 décembre" in later.text and "Semaine précédente" in later.text


async def test_first_available_jumps_to_the_week_of_the_first_free_slot(client):
    answer = await client.get(WEEK + "&first=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{WEEK}&week=2026-11-30#slot-20261130T1000Z"  # the slot itself


async def test_booking_through_the_form_records_consents_and_shows_the_manage_page(client):
    form = await client.get(form_url(TUESDAY_9))
    assert "mardi 1 décembre 2026 à 9\u00a0h\u00a000" in form.text
    sent = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, email_reminders="1", comment="<b>dos</b>"))
    assert sent.status_code == 303 and sent.headers["location"].startswith("/b/")
    page = await client.get(sent.headers["location"])
    assert "Votre rendez-vous est réservé" in page.text
    assert "&lt;b&gt;dos&lt;/b&gt;" in page.text and "<b>dos</b>" not in page.text
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
    assert '<meta name="referrer" content="no-referrer">' in page.text
    appointment = await Appointment.get()
    assert appointment.starts_at == TUESDAY_9 and appointment.email_reminder and not appointment.sms_reminder
    consents = await ConsentRecord.filter(appointment_id=appointment.id).order_by("purpose")
    assert [(c.purpose, c.channel, c.text_version) for c in consents] == [
        ("email_reminders", "web", "2026-11-26"), ("privacy_notice", "web", PRIVACY_NOTICE_VERSION),
    ]


async def test_refused_fields_come_back_inline_with_the_typed_values(client):
    form = await client.get(form_url(TUESDAY_9))
    sent = await client.post(f"/p/{OSTEO}/book", data=filled(
        form.text, first_name="<script>alert(1)</script>", email="nope", birth_date="31/02/1990", privacy_notice=None,
    ))
    assert sent.status_code == 422
    html = sent.text
    assert 'class="error-summary" role="alert"' in html
    assert html.index('href="#first_name"') < html.index('href="#email"') < html.index('href="#privacy_notice"')
    assert re.search(r'id="first_name"[^>]*aria-invalid="true"[^>]*autofocus', html)
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html and "<script>alert" not in html
    assert 'value="Durand"' in html and 'value="31/02/1990"' in html
    assert "JJ/MM/AAAA" in html
    assert await Appointment.all().count() == 0


async def test_errors_are_translated_in_english(client):
    form = await client.get(form_url(TUESDAY_9) + "&lang=en")
    sent = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, email="nope", phone="12"))
    assert "Enter a valid e-mail address" in sent.text and "This phone number is not valid." in sent.text


async def test_a_slot_taken_meanwhile_offers_the_nearest_free_slots_and_keeps_the_values(client, frozen):
    form = await client.get(form_url(TUESDAY_9))
    await book(TUESDAY_9, frozen)  # someone else, faster
    sent = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, comment="Mal au dos"))
    assert sent.status_code == 409
    assert "Ce créneau vient d&#39;être réservé." in sent.text
    assert 'value="2026-12-01T10:00:00+01:00"' in sent.text  # a nearest slot, as a radio in the same form
    assert 'value="Durand"' in sent.text and "Mal au dos" in sent.text
    again = await client.post(f"/p/{OSTEO}/book", data=filled(sent.text, start="2026-12-01T10:00:00+01:00"))
    assert again.status_code == 303


async def test_a_post_without_a_valid_csrf_token_is_refused_and_loses_nothing(client):
    form = await client.get(form_url(TUESDAY_9))
    sent = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, csrf_token="forged"))
    assert sent.status_code == 403
    assert 'value="Durand"' in sent.text and "a expiré" in sent.text
    assert await Appointment.all().count() == 0
    resent = await client.post(f"/p/{OSTEO}/book", data=filled(sent.text))
    assert resent.status_code == 303


async def test_the_csrf_cookie_is_httponly_and_samesite(client):
    answer = await client.get(form_url(TUESDAY_9))
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith("csrf=") and "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


async def test_a_filled_honeypot_books_nothing(client):
    form = await client.get(form_url(TUESDAY_9))
    sent = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, website="http://spam.example"))
    assert sent.status_code == 400
    assert await Appointment.all().count() == 0


async def test_too_many_bookings_from_one_address_get_a_friendly_429(make_client):
    await load_demo()
    async with make_client(BOOKING_RATE_LIMIT="1/hour") as client:
        form = await client.get(form_url(TUESDAY_9))
        assert (await client.post(f"/p/{OSTEO}/book", data=filled(form.text))).status_code == 303
        form = await client.get(form_url(paris(2026, 12, 1, 10)))
        refused = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, phone="06 98 76 54 32"))
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "Trop de réservations" in refused.text


async def test_one_phone_number_is_throttled_across_addresses(make_client):
    await load_demo()
    async with make_client(BOOKING_RATE_LIMIT="100/hour") as client:
        answers = []
        for hour in (9, 10, 11, 14, 15, 16):
            form = await client.get(form_url(paris(2026, 12, 1, hour)))
            answers.append((await client.post(f"/p/{OSTEO}/book", data=filled(form.text))).status_code)
    assert answers == [303] * 5 + [429]


async def test_unknown_practitioner_service_or_token_is_a_proper_404_page(client):
    for path in ("/p/nobody", "/c/nowhere", f"/p/{OSTEO}/book?service=nothing&start=x", "/b/not-a-token", "/nothing"):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html") and "<h1>Page introuvable</h1>" in answer.text
    english = await client.get("/p/nobody", headers={"accept-language": "en"})
    assert "Practitioner not found." in english.text


async def test_pages_ask_nothing_of_third_parties_and_keep_a_strict_policy(client):
    page = await client.get(WEEK)
    policy = page.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "frame-ancestors 'self'" in policy
    assert not re.search(r'(src|href)="(https?:)?//', page.text)
    assert "<style" not in page.text and " style=" not in page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)  # no inline script


async def test_privacy_notice_is_versioned(client):
    page = await client.get("/privacy")
    assert f"Version du {PRIVACY_NOTICE_VERSION}" in page.text and "CNIL" in page.text
    old = await client.get("/privacy?version=2026-11-26")  # what earlier patients agreed to stays readable
    assert old.status_code == 200 and "trois ans" in old.text
    assert (await client.get("/privacy?version=1999-01-01")).status_code == 404
    english = await client.get("/privacy?lang=en")
    assert "Who is responsible for your data?" in english.text


async def test_an_outdated_privacy_notice_is_not_recorded_as_read(client):
    """The form records the version it showed; if the notice changed meanwhile, the patient
    is asked to read it again instead of the ledger claiming a text they never saw."""
    form = await client.get(form_url(TUESDAY_9))
    response = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, privacy_version="2020-01-01"))
    assert response.status_code == 422
    assert 'id="privacy_notice-error"' in response.text
    assert await Appointment.all().count() == 0


async def test_typos_do_not_count_against_the_booking_limits(make_client):
    """Issue 11 item 2: five birth-date typos used to answer "Trop de réservations" and lose the form."""
    await load_demo()
    async with make_client(BOOKING_RATE_LIMIT="2/hour") as client:
        form = await client.get(form_url(TUESDAY_9))
        typos = [await client.post(f"/p/{OSTEO}/book", data=filled(form.text, birth_date=f"3{i}/02/1987"))
                 for i in range(6)]
        assert [answer.status_code for answer in typos] == [422] * 6
        booked = await client.post(f"/p/{OSTEO}/book", data=filled(form.text))
        assert booked.status_code == 303
        form = await client.get(form_url(paris(2026, 12, 1, 10)))
        second = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, phone="06 98 76 54 32"))
        assert second.status_code == 303
        form = await client.get(form_url(paris(2026, 12, 1, 11)))
        third = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, phone="06 98 76 54 31"))
        assert third.status_code == 429  # two bookings made: the limit counts those, and only those
    assert await Appointment.all().count() == 2


async def test_a_taken_slot_does_not_count_against_the_phone_limit(make_client, frozen):
    await load_demo()
    await book(TUESDAY_9, frozen)
    async with make_client(BOOKING_RATE_LIMIT="100/hour") as client:
        form = await client.get(form_url(TUESDAY_9))
        for _ in range(6):
            assert (await client.post(f"/p/{OSTEO}/book", data=filled(form.text))).status_code == 409
        form = await client.get(form_url(paris(2026, 12, 1, 10)))
        assert (await client.post(f"/p/{OSTEO}/book", data=filled(form.text))).status_code == 303


async def test_the_429_form_keeps_what_was_typed_and_says_when_to_retry(make_client):
    await load_demo()
    async with make_client(BOOKING_RATE_LIMIT="1/hour") as client:
        form = await client.get(form_url(TUESDAY_9))
        assert (await client.post(f"/p/{OSTEO}/book", data=filled(form.text))).status_code == 303
        form = await client.get(form_url(paris(2026, 12, 1, 10)))
        refused = await client.post(f"/p/{OSTEO}/book", data=filled(
            form.text, phone="06 98 76 54 32", first_name="Zoé", comment="Genou droit", sms_reminders="1"))
        english = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, phone="06 98 76 54 32"),
                                    headers={"accept-language": "en"})
    assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 3600
    assert 'value="Zoé"' in refused.text and "Genou droit" in refused.text and 'value="Durand"' in refused.text
    assert hidden(refused.text, "start") == hidden(form.text, "start")
    # The frozen clock is 09:00 Paris: the hourly window ends in 60 minutes.
    assert "Trop de réservations" in refused.text and "à nouveau dans 60 min" in refused.text
    assert english.status_code == 429 and "again in 60" in english.text


async def test_many_invalid_posts_meet_their_own_higher_limit(make_client):
    await load_demo()
    async with make_client(BOOKING_RATE_LIMIT="1/hour") as client:
        form = await client.get(form_url(TUESDAY_9))
        answers = [(await client.post(f"/p/{OSTEO}/book", data=filled(form.text, email="nope"))).status_code
                   for _ in range(6)]
    assert answers == [422] * 5 + [429]


async def test_a_practitioner_at_the_online_limit_keeps_the_form_and_says_so(make_client):
    from portal.models import Practitioner

    await load_demo()
    await Practitioner.filter(slug=OSTEO).update(online_bookings_per_hour=1)
    async with make_client(BOOKING_RATE_LIMIT="100/hour") as client:
        form = await client.get(form_url(TUESDAY_9))
        assert (await client.post(f"/p/{OSTEO}/book", data=filled(form.text))).status_code == 303
        form = await client.get(form_url(paris(2026, 12, 1, 10)))
        refused = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, phone="06 98 76 54 32",
                                                                     first_name="Zoé"))
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) == 3600
    assert "ne prend plus de rendez-vous en ligne pour le moment" in refused.text and 'value="Zoé"' in refused.text


def _solve(challenge: str) -> str:
    from portal.web import pow

    nonce = 0
    while not pow.solves(challenge, str(nonce)):
        nonce += 1
    return str(nonce)


async def test_past_a_few_posts_the_form_asks_for_a_proof_of_work(make_client):
    """Issue 10 item 4: a self-hosted challenge, only past a threshold (no JavaScript needed below it)."""
    from portal.web import pow

    await load_demo()
    async with make_client(BOOKING_RATE_LIMIT="20/hour") as client:
        form = await client.get(form_url(TUESDAY_9))
        assert "pow_challenge" not in form.text and "pow.js" not in form.text
        page = form
        for _ in range(pow.THRESHOLD):  # typos
            page = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, email="nope"))
            assert page.status_code == 422
        assert 'src="/static/js/pow.js"' in page.text
        challenge = hidden(page.text, "pow_challenge")
        refused = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, first_name="Zoé"))
        assert refused.status_code == 429 and "courte vérification automatique" in refused.text
        assert 'value="Zoé"' in refused.text  # nothing typed is lost
        solved = {"pow_challenge": challenge, "pow_nonce": _solve(challenge)}
        booked = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, **solved))
        assert booked.status_code == 303
        form = await client.get(form_url(paris(2026, 12, 1, 10)))
        assert "pow_challenge" in form.text  # still past the threshold
        replayed = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, phone="06 98 76 54 32", **solved))
        assert replayed.status_code == 429  # a solution is spent once
        english = await client.post(f"/p/{OSTEO}/book", data=filled(form.text, phone="06 98 76 54 32"),
                                    headers={"accept-language": "en"})
        assert "your browser must run a short automatic check" in english.text
    assert await Appointment.all().count() == 1


def test_a_challenge_is_bound_to_its_client_and_expires(now):
    from datetime import timedelta

    from portal.web import pow

    challenge = pow.issue("secret", "ip:192.0.2.1", now)
    nonce = _solve(challenge)
    assert pow.valid("secret", "ip:192.0.2.1", challenge, nonce, now)
    assert not pow.valid("secret", "ip:192.0.2.2", challenge, nonce, now)  # another client
    assert not pow.valid("other", "ip:192.0.2.1", challenge, nonce, now)  # another key
    assert not pow.valid("secret", "ip:192.0.2.1", challenge, nonce, now + timedelta(seconds=pow.TTL))
    assert not pow.valid("secret", "ip:192.0.2.1", challenge, str(int(nonce) + 1) + "x", now)
    assert not pow.valid("secret", "ip:192.0.2.1", "9" * 300, nonce, now)
    # Digits str.isdigit() accepts but int() refuses (a forged field was a 500): refused.
    assert not pow.valid("secret", "ip:192.0.2.1", "²." + challenge.split(".", 1)[1], nonce, now)
    assert not pow.valid("secret", "ip:192.0.2.1", "１" + challenge, nonce, now)
    assert pow.leading_zero_bits(bytes([0, 0x10])) == 11
