"""BOOKING_RATE_LIMIT throttles bookings per client IP."""

import pytest

from tests.api.test_bookings_api import body, frozen_clock  # noqa: F401 (fixture)
from tests.builders import patient


@pytest.fixture
def api_env():
    return {"BOOKING_RATE_LIMIT": "2/hour"}


async def test_third_booking_from_one_ip_in_an_hour_is_429(client):
    starts = ["2026-12-01T09:00:00+01:00", "2026-12-01T14:00:00+01:00", "2026-12-01T16:00:00+01:00"]
    answers = [
        await client.post("/api/v1/bookings", json=body(start=s, patient=patient(email=f"p{i}@example.org")))
        for i, s in enumerate(starts)
    ]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].json()["error"]["code"] == "too_many_requests"
    assert int(answers[2].headers["retry-after"]) > 0


async def test_a_spoofed_forwarded_for_does_not_reset_the_limit(client):
    starts = ["2026-12-01T09:00:00+01:00", "2026-12-01T14:00:00+01:00", "2026-12-01T16:00:00+01:00"]
    answers = [
        await client.post("/api/v1/bookings", json=body(start=s, patient=patient(email=f"q{i}@example.org")),
                          headers={"X-Forwarded-For": f"10.0.0.{i}"})
        for i, s in enumerate(starts)
    ]
    assert [a.status_code for a in answers] == [201, 201, 429]


# Each of these got a fresh budget when the key was the raw digits (issue 10, item 4).
SPELLINGS = ["06 12 34 56 78", "0033 6 12 34 56 78", "+33 (0)6 12 34 56 78", "０６１２３４５６７８",
             "06 12 34 56 78 ext. 1", "+33612345678"]


@pytest.fixture
def phone_env():
    return {"BOOKING_RATE_LIMIT": "1000/hour"}


async def test_one_phone_number_books_at_most_five_times_an_hour(any_database, tmp_path, now):
    import httpx2

    from creneau.app import create_app
    from tests.api.conftest import make_settings
    from tests.builders import load_demo

    await load_demo()
    app = create_app(make_settings(any_database, tmp_path, BOOKING_RATE_LIMIT="1000/hour"), manage_db=False,
                     run_background=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as client:
        statuses = []
        for i in range(6):
            start = f"2026-12-0{1 + i % 2}T{9 + i // 2:02d}:00:00+01:00"  # Tuesday and Wednesday mornings
            phone = SPELLINGS[i]  # one number, six spellings: one budget
            response = await client.post("/api/v1/bookings", json=body(
                start=start, patient=patient(email=f"r{i}@example.org", phone=phone)))
            statuses.append(response.status_code)
    assert statuses == [201] * 5 + [429]
