"""`GET /feeds/{token}.ics` through the real app: tokens, caching headers, appointments that
appear, move and cancel, and what each level lets out."""

import logging
from datetime import timedelta

import httpx2
import icalendar
import pytest
import vobject

import portal.clock
from calendar_sync.models import FeedToken
from calendar_sync.tokens import create_feed_token, feed_urls, revoke_feed_token, rotate_feed_token
from creneau.app import create_app
from portal.booking.manage import cancel_appointment, reschedule_appointment
from portal.models import Appointment, Patient
from tests.api.conftest import make_settings
from tests.builders import OSTEO, book, load_demo, paris, patient_ctx, system

BASE_URL = "https://rdv.example.fr"


@pytest.fixture
def clock(monkeypatch, now):
    """The route reads portal.clock.utcnow; tests move it."""
    state = {"now": now}
    monkeypatch.setattr(portal.clock, "utcnow", lambda: state["now"])
    return state


@pytest.fixture
async def client(any_database, tmp_path, clock):
    await load_demo()
    app = create_app(make_settings(any_database, tmp_path, BASE_URL=BASE_URL), manage_db=False, run_background=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


def path(token: str) -> str:
    return f"/feeds/{token}.ics"


def events(response) -> list:
    return sorted(icalendar.Calendar.from_ical(response.content).walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))


async def test_feed_urls_and_token_secrecy(client, now):
    issued = await create_feed_token(system(now), OSTEO)
    assert len(issued.token) >= 43  # 256 bits
    https_url, webcal_url = issued.urls(BASE_URL)
    assert https_url == f"{BASE_URL}/feeds/{issued.token}.ics"
    assert webcal_url == f"webcal://rdv.example.fr/feeds/{issued.token}.ics"
    row = await FeedToken.get(id=issued.row.id)
    assert issued.token not in (row.token_hash, row.label) and len(row.token_hash) == 64
    assert feed_urls("http://127.0.0.1:8000/", "t")[1] == "webcal://127.0.0.1:8000/feeds/t.ics"


async def test_appointments_appear_move_and_cancel_without_names(client, now, clock):
    issued = await create_feed_token(system(now), OSTEO)
    booked = await book(paris(2026, 12, 1, 11), now)
    first = await client.get(path(issued.token))
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/calendar; charset=utf-8"
    assert first.headers["cache-control"] == "private, no-cache"
    assert first.headers["x-robots-tag"].startswith("noindex")
    assert first.headers["referrer-policy"] == "no-referrer"
    [event] = events(first)
    uid = event["UID"]
    assert (event["SUMMARY"], event["SEQUENCE"], event["STATUS"]) == ("Rendez-vous", 1, "CONFIRMED")
    assert event.decoded("DTSTART") == paris(2026, 12, 1, 11)
    for secret in ("Élise", "Durand", "elise.durand", "1987", "+33612345678", "Consultation"):
        assert secret not in first.text

    clock["now"] = now + timedelta(hours=1)
    await reschedule_appointment(patient_ctx(clock["now"]), booked.manage_token, paris(2026, 12, 2, 9))
    moved = await client.get(path(issued.token), headers={"If-None-Match": first.headers["etag"]})
    assert moved.status_code == 200 and moved.headers["etag"] != first.headers["etag"]
    [event] = events(moved)
    assert (event["UID"], event["SEQUENCE"]) == (uid, 2)
    assert event.decoded("DTSTART") == paris(2026, 12, 2, 9)

    await cancel_appointment(patient_ctx(clock["now"]), booked.manage_token)
    cancelled = await client.get(path(issued.token))
    [event] = events(cancelled)
    assert (event["UID"], event["SEQUENCE"], event["STATUS"]) == (uid, 3, "CANCELLED")
    vobject.readOne(cancelled.text)  # still valid for an independent parser

    # Kept 30 days after the cancellation, then gone.
    clock["now"] = now + timedelta(days=29)
    assert len(events(await client.get(path(issued.token)))) == 1
    clock["now"] = now + timedelta(days=31, hours=1)
    assert events(await client.get(path(issued.token))) == []


async def test_etag_answers_304_until_something_changes(client, now, clock):
    issued = await create_feed_token(system(now), OSTEO)
    await book(paris(2026, 12, 1, 11), now)
    first = await client.get(path(issued.token))
    etag = first.headers["etag"]
    again = await client.get(path(issued.token), headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert again.headers["cache-control"] == "private, no-cache"
    assert (await client.get(path(issued.token), headers={"If-None-Match": f"W/{etag}"})).status_code == 304
    await book(paris(2026, 12, 1, 14), now)
    changed = await client.get(path(issued.token), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and len(events(changed)) == 2


async def test_revoked_and_rotated_tokens_answer_404_at_once(client, now):
    issued = await create_feed_token(system(now), OSTEO)
    assert (await client.get(path(issued.token))).status_code == 200
    rotated = await rotate_feed_token(system(now), issued.row.id)
    old = await client.get(path(issued.token))
    assert old.status_code == 404 and old.headers["cache-control"] == "private, no-cache"
    assert (await client.get(path(rotated.token))).status_code == 200
    assert rotated.row.level == issued.row.level
    await revoke_feed_token(system(now), rotated.row.id)
    assert (await client.get(path(rotated.token))).status_code == 404
    for bogus in ("x", "A" * 43, "A" * 500):
        assert (await client.get(path(bogus))).status_code == 404


@pytest.mark.parametrize("level, summary, shown, hidden", [
    ("busy", "Rendez-vous", [], ["Élise", "Durand", "Consultation", "+33612345678", "Dos bloqué"]),
    ("initials", "É.D. – Consultation adulte", [], ["Élise", "Durand-", "+33612345678", "Dos bloqué"]),
    ("full", "Élise Durand-Lefèvre – Consultation adulte", ["+33612345678", "Dos bloqué"], []),
])
async def test_levels_and_what_no_level_ever_shows(client, now, level, summary, shown, hidden):
    issued = await create_feed_token(system(now), OSTEO, level=level)
    await book(paris(2026, 12, 1, 11), now, comment="Dos bloqué")
    response = await client.get(path(issued.token))
    [event] = events(response)
    assert event["SUMMARY"] == summary
    text = response.content.decode().replace("\r\n ", "")
    assert all(value in text for value in shown) and not any(value in text for value in hidden)
    for never in ("elise.durand@example.org", "1987", "12/04", "04-12"):  # e-mail, birth date
        assert never not in text


async def test_a_corrected_patient_name_changes_the_etag_of_named_levels(client, now):
    issued = await create_feed_token(system(now), OSTEO, level="initials")
    booked = await book(paris(2026, 12, 1, 11), now)
    etag = (await client.get(path(issued.token))).headers["etag"]
    appointment = await Appointment.get(id=booked.appointment_id)
    await Patient.filter(id=appointment.patient_id).update(first_name="Lise", updated_at=now + timedelta(minutes=5))
    response = await client.get(path(issued.token), headers={"If-None-Match": etag})
    assert response.status_code == 200 and events(response)[0]["SUMMARY"].startswith("L.D.")


async def test_each_fetch_is_logged_without_the_token(client, now, clock, caplog):
    issued = await create_feed_token(system(now), OSTEO)
    with caplog.at_level(logging.INFO, logger="calendar_sync.feed"):
        await client.get(path(issued.token), headers={"User-Agent": "Google-Calendar-Importer"})
    [record] = [r for r in caplog.records if r.name == "calendar_sync.feed"]
    message = record.getMessage()
    assert f"token_id={issued.row.id}" in message and "client=" in message and "Google-Calendar-Importer" in message
    assert issued.token not in message
    assert (await FeedToken.get(id=issued.row.id)).last_used_at == now
    clock["now"] = now + timedelta(minutes=10)  # within the hour: not written again
    await client.get(path(issued.token))
    assert (await FeedToken.get(id=issued.row.id)).last_used_at == now
