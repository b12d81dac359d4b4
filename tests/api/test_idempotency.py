"""Idempotency-Key while the first request is still running, or after it died."""

import hashlib
import json
from datetime import datetime, timedelta

from portal.models import Appointment, IdempotencyRecord
from portal.web.api.idempotency import scoped_key
from tests.api.test_bookings_api import body, frozen_clock  # noqa: F401 (fixture)


def raw(payload: dict) -> bytes:
    return json.dumps(payload).encode()


async def post(client, payload: dict, key: str):
    return await client.post("/api/v1/bookings", content=raw(payload),
                             headers={"content-type": "application/json", "Idempotency-Key": key})


async def test_a_retry_during_the_first_request_is_told_to_come_back(client):
    payload = body()
    # The first request reserved its key a moment ago (the API's frozen clock) and is still booking.
    await IdempotencyRecord.create(key=scoped_key("k1", "127.0.0.1"), request_sha256=hashlib.sha256(raw(payload)).hexdigest(),
                                   status_code=0, body="", created_at=datetime.fromisoformat("2026-11-30T07:59:50+00:00"))
    retry = await post(client, payload, "k1")
    assert retry.status_code == 409
    assert retry.json()["error"]["code"] == "request_in_progress" and retry.headers["retry-after"] == "1"
    assert await Appointment.all().count() == 0


async def test_a_reservation_left_by_a_dead_request_is_taken_over(client):
    payload = body()
    await IdempotencyRecord.create(key=scoped_key("k2", "127.0.0.1"), request_sha256=hashlib.sha256(raw(payload)).hexdigest(),
                                   status_code=0, body="",
                                   created_at=datetime.fromisoformat("2026-11-30T08:00:00+00:00") - timedelta(minutes=5))
    first = await post(client, payload, "k2")
    assert first.status_code == 201
    again = await post(client, payload, "k2")
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"


async def test_the_booking_and_its_answer_are_written_together(client):
    response = await post(client, body(), "k3")
    record = await IdempotencyRecord.get(key=scoped_key("k3", "127.0.0.1"))
    assert record.status_code == 201 and json.loads(record.body)["id"] == response.json()["id"]
