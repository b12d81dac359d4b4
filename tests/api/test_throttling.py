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
