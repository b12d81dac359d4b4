"""What an API client builds on (issue 12 item 7): the privacy-notice version it must send back,
errors in its language, and an Idempotency-Key that never keeps a throttled answer."""

import hashlib
from datetime import datetime, timedelta

import pytest

import portal.clock
from portal.limits import counter
from portal.models import Appointment
from portal.patients import consent_texts
from portal.web.ratelimit import PHONE_LIMIT, phone_key
from tests.api.test_bookings_api import body, frozen_clock  # noqa: F401 (fixture)


async def test_the_privacy_notice_version_is_discoverable_and_books(client):
    response = await client.get("/api/v1/privacy-notice")
    assert response.status_code == 200
    notice = response.json()
    text = consent_texts.privacy_notice("fr").text
    assert notice == {"version": consent_texts.PRIVACY_NOTICE_VERSION,
                      "sha256": hashlib.sha256(text.encode()).hexdigest(),
                      "url": f"https://rdv.example.fr/privacy?version={notice['version']}&lang=fr"}
    page = await client.get(notice["url"].removeprefix("https://rdv.example.fr"))
    assert page.status_code == 200
    booked = await client.post("/api/v1/bookings", json=body(consents={"privacy_notice": notice["version"],
                                                                        "email_reminders": True}))
    assert booked.status_code == 201
    english = (await client.get("/api/v1/privacy-notice", headers={"Accept-Language": "en"})).json()
    assert english["sha256"] == hashlib.sha256(consent_texts.privacy_notice("en").text.encode()).hexdigest()


@pytest.mark.parametrize(("path", "kwargs", "status"), [
    ("/api/v1/bookings/" + "x" * 43, {}, 404),
    ("/api/v1/practitioners/nobody/slots?service=x", {}, 404),
    ("/api/v1/practitioners/camille-martin/slots", {}, 422),
])
async def test_errors_speak_the_callers_language(client, path, kwargs, status):
    french = await client.get(path)
    english = await client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert french.status_code == english.status_code == status
    assert french.json()["error"]["code"] == english.json()["error"]["code"]
    assert french.json()["error"]["message"] != english.json()["error"]["message"]
    assert english.json()["error"]["message"].isascii()


async def test_a_throttled_answer_is_not_kept_for_the_key(client, monkeypatch):
    """Today the 429 was stored: the same key replayed it for 24 h even after the limit reset."""
    moment = [datetime.fromisoformat("2026-11-30T08:00:00+00:00")]
    monkeypatch.setattr(portal.clock, "utcnow", lambda: moment[0])
    for _ in range(PHONE_LIMIT.count):  # the phone number's budget spent (shared counters)
        await counter.take(f"book:{phone_key('06 12 34 56 78')}", PHONE_LIMIT, moment[0])
    headers = {"Idempotency-Key": "retry-me", "Accept-Language": "en"}
    throttled = await client.post("/api/v1/bookings", json=body(), headers=headers)
    assert throttled.status_code == 429 and throttled.json()["error"]["message"].startswith("Too many bookings")
    moment[0] += timedelta(seconds=PHONE_LIMIT.period_seconds + 1)  # the limit resets
    retried = await client.post("/api/v1/bookings", json=body(), headers=headers)
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    assert await Appointment.all().count() == 1
    again = await client.post("/api/v1/bookings", json=body(), headers=headers)
    assert again.json() == retried.json() and again.headers["idempotent-replayed"] == "true"
