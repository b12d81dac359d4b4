"""The JSON API as a caller sees it: shapes, status codes, idempotency, throttling."""

from datetime import datetime

import pytest

from portal.models import Appointment, ConsentRecord, IdempotencyRecord, OutboxMessage
from portal.web.api.idempotency import scoped_key
from tests.builders import consents, patient

START = "2026-12-01T11:00:00+01:00"


def body(start=START, **overrides):
    data = {"practitioner": "camille-martin", "service": "consultation-adulte", "start": start,
            "patient": patient(), "consents": consents(), "comment": "Douleur lombaire"}
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """Requests read the clock through portal.clock; pin it to a Monday morning in Paris."""
    import portal.clock

    monkeypatch.setattr(portal.clock, "utcnow", lambda: datetime.fromisoformat("2026-11-30T08:00:00+00:00"))


async def test_booking_answers_201_with_manage_url(client):
    response = await client.post("/api/v1/bookings", json=body())
    assert response.status_code == 201
    data = response.json()
    assert data["start"] == START and data["end"] == "2026-12-01T11:45:00+01:00"
    assert data["status"] == "not_filled"
    assert data["manage_url"].startswith("https://rdv.example.fr/b/")
    token = data["manage_url"].rsplit("/", 1)[1]

    managed = await client.get(f"/api/v1/bookings/{token}")
    assert managed.status_code == 200
    assert managed.json()["reminders"] == {"email": True, "sms": True}
    assert managed.headers["referrer-policy"] == "no-referrer"


async def test_slot_taken_is_409_with_nearest_slots(client):
    assert (await client.post("/api/v1/bookings", json=body())).status_code == 201
    again = await client.post("/api/v1/bookings", json=body(patient=patient(email="b@example.org")))
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "slot_taken"
    assert error["nearest"][0] == "2026-12-01T10:00:00+01:00"  # ends, buffer included, as 11:00 starts


async def test_invalid_fields_get_one_message_each_and_nothing_is_written(client):
    bad = body(start="demain", patient=patient(email="x@", phone="12", birth_date="1800-01-01"),
               consents={"email_reminders": "yes"})
    response = await client.post("/api/v1/bookings", json=bad)
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"start", "patient.email", "patient.phone", "patient.birth_date",
                           "consents.privacy_notice", "consents.email_reminders"}
    assert all(isinstance(message, str) and message for message in fields.values())
    assert await Appointment.all().count() == 0
    assert await ConsentRecord.all().count() == 0 and await OutboxMessage.all().count() == 0


async def test_messages_follow_accept_language(client):
    response = await client.post("/api/v1/bookings", json=body(patient=patient(email="nope")),
                                 headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["patient.email"].startswith("Enter a valid e-mail")


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'{"start": 12}', b"{}"])
async def test_malformed_bodies_are_422_never_500(client, payload):
    response = await client.post("/api/v1/bookings", content=payload, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_fields"


async def test_unknown_practitioner_or_service_is_404(client):
    assert (await client.post("/api/v1/bookings", json=body(practitioner="nobody"))).status_code == 404
    missing = await client.get("/api/v1/practitioners/camille-martin/slots?service=nothing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert (await client.get("/api/v1/bookings/not-a-token")).status_code == 404


async def test_idempotency_key_replays_the_first_answer(client):
    headers = {"Idempotency-Key": "retry-123"}
    first = await client.post("/api/v1/bookings", json=body(), headers=headers)
    second = await client.post("/api/v1/bookings", json=body(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert await Appointment.all().count() == 1
    token = first.json()["manage_url"].rsplit("/", 1)[1]
    assert token not in (await IdempotencyRecord.get(key=scoped_key("retry-123", "127.0.0.1"))).body  # no secret at rest

    other = await client.post("/api/v1/bookings", json=body(start="2026-12-01T14:00:00+01:00"), headers=headers)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"


async def test_a_refused_answer_is_replayed_too(client):
    await client.post("/api/v1/bookings", json=body())
    headers = {"Idempotency-Key": "k-409"}
    taken = body(patient=patient(email="b@example.org"))
    assert (await client.post("/api/v1/bookings", json=taken, headers=headers)).status_code == 409
    assert (await client.post("/api/v1/bookings", json=taken, headers=headers)).status_code == 409
    assert await IdempotencyRecord.filter(key=scoped_key("k-409", "127.0.0.1")).count() == 1


async def test_slots_endpoint_shape_and_range_limit(client):
    response = await client.get("/api/v1/practitioners/camille-martin/slots",
                                params={"service": "consultation-adulte", "from": "2026-12-01", "to": "2026-12-01"})
    assert response.status_code == 200
    data = response.json()
    assert data["timezone"] == "Europe/Paris"
    assert data["slots"][0] == {"start": "2026-12-01T09:00:00+01:00", "end": "2026-12-01T09:45:00+01:00"}
    too_long = await client.get("/api/v1/practitioners/camille-martin/slots",
                                params={"service": "consultation-adulte", "from": "2026-12-01", "to": "2027-02-15"})
    assert too_long.status_code == 422 and "to" in too_long.json()["error"]["fields"]
    bad_date = await client.get("/api/v1/practitioners/camille-martin/slots",
                                params={"service": "consultation-adulte", "from": "01/12/2026"})
    assert bad_date.status_code == 422


async def test_booked_slot_disappears_from_slots(client):
    await client.post("/api/v1/bookings", json=body())
    response = await client.get("/api/v1/practitioners/camille-martin/slots",
                                params={"service": "consultation-adulte", "from": "2026-12-01", "to": "2026-12-01"})
    starts = [slot["start"] for slot in response.json()["slots"]]
    # 11:00-11:45 plus its 15-minute buffer blocks 11:00-12:00; a new slot's own buffer counts too.
    assert "2026-12-01T11:00:00+01:00" not in starts and "2026-12-01T11:45:00+01:00" not in starts
    assert "2026-12-01T10:15:00+01:00" not in starts  # would block until 11:15
    assert "2026-12-01T10:00:00+01:00" in starts  # blocks until 11:00: touching is fine


async def test_practitioners_list_and_openapi(client):
    listing = (await client.get("/api/v1/practitioners?practice=cabinet-des-lilas")).json()["items"]
    assert {p["slug"] for p in listing} == {"camille-martin", "hugo-bernard"}
    services = {s["slug"] for p in listing for s in p["services"]}
    assert {"consultation-adulte", "consultation-enfant", "consultation", "test-audition"} == services
    assert (await client.get("/api/v1/practitioners?practice=elsewhere")).json() == {"items": [], "next": None}
    spec = (await client.get("/api/v1/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/bookings" in spec["paths"] and "/api/v1/practitioners/{slug}/slots" in spec["paths"]
    conflict = spec["paths"]["/api/v1/bookings"]["post"]["responses"]["409"]["description"]
    assert "slot_taken" in conflict and "request_in_progress" in conflict


async def test_cancel_and_reschedule_within_cutoff(client):
    token = (await client.post("/api/v1/bookings", json=body())).json()["manage_url"].rsplit("/", 1)[1]
    moved = await client.post(f"/api/v1/bookings/{token}/reschedule", json={"start": "2026-12-02T10:00:00+01:00"})
    assert moved.status_code == 200
    assert moved.json()["start"] == "2026-12-02T10:00:00+01:00" and moved.json()["version"] == 2
    cancelled = await client.post(f"/api/v1/bookings/{token}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled_by_patient"
    again = await client.post(f"/api/v1/bookings/{token}/cancel")
    assert again.status_code == 409


async def test_a_retried_reschedule_moves_once_and_tells_the_patient_once(client):
    """A client retrying after a lost answer (or sending the time the booking already has) must
    not send the patient a second "moved" e-mail and SMS, nor bump the version."""
    token = (await client.post("/api/v1/bookings", json=body())).json()["manage_url"].rsplit("/", 1)[1]
    unchanged = await client.post(f"/api/v1/bookings/{token}/reschedule", json={"start": START})
    assert unchanged.status_code == 200 and unchanged.json()["version"] == 1
    assert not await OutboxMessage.filter(kind="moved").exists()
    new_start = "2026-12-02T10:00:00+01:00"
    first = await client.post(f"/api/v1/bookings/{token}/reschedule", json={"start": new_start})
    retried = await client.post(f"/api/v1/bookings/{token}/reschedule", json={"start": "2026-12-02T09:00:00Z"})
    assert first.status_code == retried.status_code == 200
    assert first.json() == retried.json() and retried.json()["version"] == 2
    assert sorted(await OutboxMessage.filter(kind="moved").values_list("channel", flat=True)) == ["email", "sms"]


async def test_past_the_cutoff_the_booking_cannot_change(client, monkeypatch):
    token = (await client.post("/api/v1/bookings", json=body())).json()["manage_url"].rsplit("/", 1)[1]
    import portal.clock

    monkeypatch.setattr(portal.clock, "utcnow", lambda: datetime.fromisoformat("2026-11-30T12:00:00+01:00"))
    response = await client.post(f"/api/v1/bookings/{token}/cancel")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "cutoff_passed"
    assert "24 heures" in response.json()["error"]["message"]
    english = await client.post(f"/api/v1/bookings/{token}/cancel", headers={"Accept-Language": "en"})
    assert "less than 24 hours before" in english.json()["error"]["message"]
    assert (await Appointment.get()).status == "not_filled"


async def test_a_held_booking_is_confirmed_with_its_code_through_the_api(client):
    from portal.booking.confirm import code_of
    from portal.models import Appointment, Practice
    from tests.builders import SECRET_KEY

    await Practice.all().update(confirm_online_bookings=True)
    created = await client.post("/api/v1/bookings", json=body())
    assert created.status_code == 201 and created.json()["status"] == "held"
    token = created.json()["manage_url"].rsplit("/", 1)[1]
    wrong = await client.post(f"/api/v1/bookings/{token}/confirm", json={"code": "999999x"})
    assert wrong.status_code == 422 and "code" in wrong.json()["error"]["fields"]
    code = code_of((await Appointment.get(id=created.json()["id"])).confirm_code_sealed, SECRET_KEY)
    confirmed = await client.post(f"/api/v1/bookings/{token}/confirm", json={"code": code})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "not_filled"
