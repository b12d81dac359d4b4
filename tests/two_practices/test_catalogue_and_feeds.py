"""What each practice shows the public, and what a practitioner's private feed lets out: nothing
of the other practice."""

import icalendar

from calendar_sync.tokens import create_feed_token
from tests.builders import OSTEO, book, paris, system
from tests.two_practices.conftest import BELLEVILLE, LEA, LILAS

LILAS_PRACTITIONERS = {
    "camille-martin": (LILAS, [("consultation-adulte", 45), ("consultation-enfant", 30)]),
    "hugo-bernard": (LILAS, [("consultation", 30), ("test-audition", 45)]),
}
BELLEVILLE_PRACTITIONERS = {LEA: (BELLEVILLE, [("consultation", 45), ("bilan-orthophonique", 60)])}


async def listed(client, query: str = "") -> dict:
    response = await client.get("/api/v1/practitioners" + query)
    assert response.status_code == 200
    return {p["slug"]: (p["practice"]["slug"], [(s["slug"], s["duration_minutes"]) for s in p["services"]])
            for p in response.json()["items"]}


async def test_the_api_catalogue_of_a_practice_lists_its_own_practitioners_and_services(client):
    assert await listed(client, f"?practice={LILAS}") == LILAS_PRACTITIONERS
    assert await listed(client, f"?practice={BELLEVILLE}") == BELLEVILLE_PRACTITIONERS
    assert await listed(client) == LILAS_PRACTITIONERS | BELLEVILLE_PRACTITIONERS


async def test_each_practice_page_shows_its_own_practitioners_only(client):
    home = (await client.get("/")).text
    assert f'href="/c/{LILAS}"' in home and f'href="/c/{BELLEVILLE}"' in home
    lilas = (await client.get(f"/c/{LILAS}")).text
    assert "Camille Martin" in lilas and "Hugo Bernard" in lilas
    assert "Léa Petit" not in lilas and "Belleville" not in lilas
    belleville = (await client.get(f"/c/{BELLEVILLE}")).text
    assert "Léa Petit" in belleville and "Bilan orthophonique" in belleville
    assert not any(text in belleville for text in ("Camille Martin", "Hugo Bernard", "Lilas", "Test de l"))
    lea = (await client.get(f"/p/{LEA}")).text
    assert "Maison de santé Belleville" in lea and "Lilas" not in lea


def starts(feed) -> list:
    calendar = icalendar.Calendar.from_ical(feed.content)
    return sorted(event.decoded("DTSTART") for event in calendar.walk("VEVENT"))


async def test_a_feed_token_shows_its_own_practitioners_appointments_only(client, now):
    # The same person, booked at both practices on the same day.
    await book(paris(2026, 12, 1, 11), now, comment="Douleur lombaire")
    await book(paris(2026, 12, 1, 14), now, practitioner=LEA, service="consultation", comment="Bilan de mon fils")
    lilas_token = await create_feed_token(system(now), OSTEO, level="full")
    belleville_token = await create_feed_token(system(now), LEA, level="full")

    lilas = await client.get(f"/feeds/{lilas_token.token}.ics")
    assert lilas.status_code == 200 and starts(lilas) == [paris(2026, 12, 1, 11)]
    assert "Douleur lombaire" in lilas.text
    assert not any(text in lilas.text for text in ("Bilan de mon fils", "Belleville", "Léa Petit"))

    belleville = await client.get(f"/feeds/{belleville_token.token}.ics")
    assert belleville.status_code == 200 and starts(belleville) == [paris(2026, 12, 1, 14)]
    assert "Bilan de mon fils" in belleville.text
    assert not any(text in belleville.text for text in ("Douleur lombaire", "Lilas", "Camille Martin"))
