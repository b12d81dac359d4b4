"""Secrets stay secret (issue 10 item 5): every answer carrying a manage token is never stored
by a cache, and one client's Idempotency-Key never replays another client's answer."""

from __future__ import annotations

import httpx2

from portal.models import Appointment
from tests.api.test_bookings_api import START, body, frozen_clock  # noqa: F401 (fixture)
from tests.builders import patient

NO_STORE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}


def secret_headers(response) -> dict:
    return {name: response.headers.get(name) for name in NO_STORE}


def other_client(client, ip: str) -> httpx2.AsyncClient:
    transport = httpx2.ASGITransport(app=client.app, client=(ip, 50000))
    return httpx2.AsyncClient(transport=transport, base_url="http://testserver")


async def test_every_answer_bearing_a_manage_token_is_no_store(client):
    created = await client.post("/api/v1/bookings", json=body(), headers={"Idempotency-Key": "k-cache"})
    token = created.json()["manage_url"].rsplit("/", 1)[1]
    replayed = await client.post("/api/v1/bookings", json=body(), headers={"Idempotency-Key": "k-cache"})
    answers = {
        "created": created, "replayed": replayed,
        "get": await client.get(f"/api/v1/bookings/{token}"),
        "unknown": await client.get("/api/v1/bookings/not-a-token"),
        "reschedule refused": await client.post(f"/api/v1/bookings/{token}/reschedule", json={"start": "demain"}),
        "page": await client.get(f"/b/{token}"),
        "calendar file": await client.get(f"/b/{token}/calendar.ics"),
        "cancel": await client.post(f"/api/v1/bookings/{token}/cancel"),
    }
    assert created.status_code == 201 and replayed.headers["idempotent-replayed"] == "true"
    assert answers["get"].status_code == 200 and answers["cancel"].status_code == 200
    for name, response in answers.items():
        assert secret_headers(response) == NO_STORE, name


async def test_an_idempotency_key_from_another_client_never_replays_the_first_answer(client):
    first = await client.post("/api/v1/bookings", json=body(), headers={"Idempotency-Key": "predictable-1"})
    assert first.status_code == 201
    async with other_client(client, "198.51.100.23") as stranger:
        same = await stranger.post("/api/v1/bookings", json=body(), headers={"Idempotency-Key": "predictable-1"})
        assert same.status_code == 409 and "idempotent-replayed" not in same.headers
        assert "manage_url" not in same.text and first.json()["manage_url"] not in same.text
    # Another body with that key, from elsewhere, is another request, not a "key already used" oracle.
    async with other_client(client, "198.51.100.24") as stranger:
        other = body(start="2026-12-01T14:00:00+01:00", patient=patient(email="autre@example.org"))
        fresh = await stranger.post("/api/v1/bookings", json=other, headers={"Idempotency-Key": "predictable-1"})
        assert fresh.status_code == 201, fresh.text
        assert fresh.json()["manage_url"] != first.json()["manage_url"]
    # The first client's retry still gets its own answer; an IPv6 client keeps its key across
    # the privacy addresses of its /64.
    retry = await client.post("/api/v1/bookings", json=body(), headers={"Idempotency-Key": "predictable-1"})
    assert retry.json() == first.json() and retry.headers["idempotent-replayed"] == "true"
    six = body(start="2026-12-02T11:00:00+01:00", patient=patient(email="six@example.org"))
    async with other_client(client, "2001:db8:1:2::10") as a, other_client(client, "2001:db8:1:2::99") as b:
        made = await a.post("/api/v1/bookings", json=six, headers={"Idempotency-Key": "v6"})
        again = await b.post("/api/v1/bookings", json=six, headers={"Idempotency-Key": "v6"})
    assert made.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert await Appointment.all().count() == 3
