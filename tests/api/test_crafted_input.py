"""Crafted input gets a clear 4xx, never a 500 (found by review and fuzzing)."""

import pytest

from portal.patients.consent_texts import PRIVACY_NOTICE_VERSION
from tests.api.test_bookings_api import body, frozen_clock  # noqa: F401 (fixture)
from tests.builders import consents

SLOTS = "/api/v1/practitioners/camille-martin/slots"


@pytest.mark.parametrize("params", [
    {"service": "consultation-adulte", "from": "0001-01-01"},
    {"service": "consultation-adulte", "from": "9999-12-31"},
    {"service": "consultation-adulte", "to": "9999-12-31"},
])
async def test_absurd_dates_are_422(client, params):
    response = await client.get(SLOTS, params=params)
    assert response.status_code == 422


@pytest.mark.parametrize("overrides", [
    {"start": "9999-12-31T23:59:00-01:00"},
    {"start": "0001-01-01T00:00:00+01:00"},
    {"consents": consents(privacy_notice=[PRIVACY_NOTICE_VERSION])},
    {"consents": consents(privacy_notice={"v": 1})},
])
async def test_absurd_booking_fields_are_422(client, overrides):
    response = await client.post("/api/v1/bookings", json=body(**overrides))
    assert response.status_code == 422


async def test_a_lone_surrogate_is_422(client):
    payload = '{"practitioner": "\\ud800", "service": "x", "start": "2026-12-01T11:00:00+01:00"}'
    response = await client.post("/api/v1/bookings", content=payload.encode(),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 422


async def test_overlong_slugs_are_unknown(client):
    assert (await client.get(f"/api/v1/practitioners/{'x' * 200}/slots?service=y")).status_code == 404
    assert (await client.get(f"/api/v1/practitioners?practice={'x' * 200}")).json() == {"items": [], "next": None}
    assert (await client.get(f"/c/{'x' * 200}")).status_code == 404
    assert (await client.get(f"/p/{'x' * 200}")).status_code == 404


@pytest.mark.parametrize("path", [
    "/p/camille-martin?service=consultation-adulte&week=9999-12-31",
    "/p/camille-martin?service=consultation-adulte&week=0001-01-01",
    "/p/camille-martin/book?service=consultation-adulte&start=0001-01-01T00:00:00%2B01:00",
])
async def test_absurd_page_parameters_never_500(client, path):
    response = await client.get(path)
    assert response.status_code < 500


async def test_a_windows_line_break_counts_as_one_character():
    from portal.booking.book import clean_comment

    assert clean_comment(("x" * 99 + "\r\n") * 10) == ("x" * 99 + "\n") * 9 + "x" * 99
