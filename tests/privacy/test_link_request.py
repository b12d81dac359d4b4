"""Asking for a privacy-centre link: by e-mail through the outbox, the same answer for a known
and an unknown address, single use, short-lived, hashed at rest, throttled."""

from __future__ import annotations

import time
from datetime import timedelta

import portal.clock
from portal.models import OutboxMessage, PrivacyLink
from tests.builders import book, load_demo, paris
from tests.patient_pages.conftest import csrf_token
from tests.privacy.conftest import body, drain, link_in, open_centre

TUESDAY_14 = paris(2026, 12, 1, 14)


async def ask(http, email: str):
    form = await http.get("/privacy/access")
    return await http.post("/privacy/access", data={"csrf_token": csrf_token(form.text), "email": email})


async def test_a_known_address_gets_a_one_time_link_that_opens_the_centre(client, frozen, channels):
    await book(TUESDAY_14, frozen, comment="Douleur au genou")
    answer = await ask(client, "  Elise.Durand@Example.org ")
    assert answer.status_code == 200 and "Vérifiez votre messagerie" in answer.text
    await drain(client._transport.app, channels, frozen)
    mail = channels["email"].sent[-1]
    assert mail.recipients == ("elise.durand@example.org",)
    link = link_in(mail)
    token = link.rsplit("/", 1)[1]
    stored = await PrivacyLink.get(kind="centre")
    assert token not in (stored.token_hash, stored.token_sealed)  # hashed (and sealed) at rest, never in clear
    centre = await open_centre(client, link)
    assert "Mon espace confidentialité" in centre.text
    assert "Douleur au genou" in centre.text and "Camille Martin" in centre.text
    assert "Je souhaite recevoir un rappel de mon rendez-vous par SMS." in centre.text  # the exact text agreed to
    assert centre.headers["referrer-policy"] == "no-referrer" and centre.headers["cache-control"] == "no-store"


async def test_the_link_is_single_use_and_bound_to_the_browser_that_opened_it(client, frozen, channels, make_client):
    await book(TUESDAY_14, frozen)
    await ask(client, "elise.durand@example.org")
    await drain(client._transport.app, channels, frozen)
    link = link_in(channels["email"].sent[-1])
    await open_centre(client, link)
    async with make_client() as other_browser:
        assert (await other_browser.get(link)).status_code == 404
    assert (await client.get(link)).status_code == 200


async def test_the_link_expires(client, frozen, channels, monkeypatch):
    await book(TUESDAY_14, frozen)
    await ask(client, "elise.durand@example.org")
    await drain(client._transport.app, channels, frozen)
    link = link_in(channels["email"].sent[-1])
    monkeypatch.setattr(portal.clock, "utcnow", lambda: frozen + timedelta(minutes=31))
    assert (await client.get(link)).status_code == 404


async def test_known_and_unknown_addresses_get_the_same_answer_in_the_same_time(client, frozen):
    await book(TUESDAY_14, frozen)
    answers, durations = [], []
    for email in ("elise.durand@example.org", "nobody-here@example.org") * 2:
        started = time.perf_counter()
        answer = await ask(client, email)
        durations.append(time.perf_counter() - started)
        answers.append((answer.status_code, answer.text))
    assert len(set(answers)) == 1
    assert await OutboxMessage.filter(kind="privacy_link").count() == 2  # only the known address got mail
    known, unknown = durations[0] + durations[2], durations[1] + durations[3]
    assert abs(known - unknown) < 0.1, durations


async def test_requests_are_throttled_per_address_and_per_ip(make_client, frozen):
    await load_demo()
    async with make_client(PRIVACY_LINK_RATE_LIMIT="2/hour", PRIVACY_IP_RATE_LIMIT="3/hour") as http:
        assert [(await ask(http, "a@example.org")).status_code for _ in range(3)] == [200, 200, 429]
        assert (await ask(http, "b@example.org")).status_code == 429  # the IP's budget is spent


async def test_pages_are_french_first_and_english_from_the_catalog(client):
    french = await client.get("/privacy/access")
    assert '<html lang="fr">' in french.text and "Recevoir mon lien" in french.text
    english = await client.get("/privacy/access", headers={"accept-language": "en"})
    assert '<html lang="en">' in english.text and "Send me my link" in english.text
    unknown = await client.get("/privacy/c/not-a-token", headers={"accept-language": "en"})
    assert unknown.status_code == 404 and "Ask for a new one" in unknown.text
    assert unknown.headers["referrer-policy"] == "no-referrer"


async def test_the_manage_page_sends_the_link_to_the_bookings_address(client, frozen, channels):
    result = await book(TUESDAY_14, frozen)
    page = await client.get(f"/b/{result.manage_token}")
    assert f'action="/b/{result.manage_token}/privacy"' in page.text
    sent = await client.post(f"/b/{result.manage_token}/privacy", data={"csrf_token": csrf_token(page.text)})
    assert sent.status_code == 200 and "Vérifiez votre messagerie" in sent.text
    await drain(client._transport.app, channels, frozen)
    assert channels["email"].sent[-1].recipients == ("elise.durand@example.org",)  # the address, not the page
    assert "/privacy/c/" in link_in(channels["email"].sent[-1])


async def test_every_email_to_the_patient_shows_the_way_to_the_privacy_centre(client, frozen, channels):
    await book(TUESDAY_14, frozen)
    await drain(client._transport.app, channels, frozen)
    to_patient = [m for m in channels["email"].sent if "elise.durand@example.org" in m.recipients]
    assert to_patient
    for message in to_patient:
        parts = [part.get_payload(decode=True).decode() for part in message.message.walk()
                 if part.get_content_type() in ("text/plain", "text/html")]
        assert len(parts) == 2 and all("/privacy/access" in part for part in parts)


async def test_the_cancellation_email_shows_the_way_to_the_privacy_centre_too(client, frozen, channels):
    """Its HTML part had the footer (from the layout), its text part did not."""
    from portal.booking.manage import cancel_appointment
    from tests.builders import patient_ctx

    result = await book(TUESDAY_14, frozen)
    await cancel_appointment(patient_ctx(frozen), result.manage_token)
    await drain(client._transport.app, channels, frozen)
    cancelled = [m for m in channels["email"].sent if "elise.durand@example.org" in m.recipients
                 and "mardi 1 décembre 2026 à 14 h 00 avec Camille Martin est annulé" in body(m).replace("\u00a0", " ")]
    assert len(cancelled) == 1
    parts = [part.get_payload(decode=True).decode() for part in cancelled[0].message.walk()
             if part.get_content_type() in ("text/plain", "text/html")]
    assert len(parts) == 2 and all("/privacy/access" in part for part in parts)


async def test_the_link_is_written_in_the_patients_language(client, frozen, channels):
    """A patient who booked in English got the centre's link in French (the practice's
    language), as they would a confirmation of a new address."""
    await book(TUESDAY_14, frozen, locale="en")
    await ask(client, "elise.durand@example.org")
    await drain(client._transport.app, channels, frozen)
    message = channels["email"].sent[-1]
    assert message.message["Content-Language"] == "en"
    assert "/privacy/c/" in body(message) and "Ouvrez ce lien" not in body(message)
