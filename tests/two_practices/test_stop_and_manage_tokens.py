"""The same person is a patient of both practices (same e-mail, birth date and mobile): each
practice keeps its own record; a manage token acts on its own booking only; a booking pairs a
practitioner with that practitioner's own service only.

STOP: one Vonage number serves every practice of a deployment, so a STOP reply cannot be
attributed to one practice. The safe reading is that the person wants no more SMS from us at
all: their SMS consent is withdrawn in every practice that knows the number, each practice's
ledger recording its own withdrawal; a number no practice knows changes nothing anywhere."""


import pytest

from notifier.inbound import withdraw_sms_consent
from portal.models import Appointment, ConsentRecord, OutboxMessage, Patient
from tests.builders import OSTEO, OSTEO_SERVICE, book, consents, paris, patient, provider
from tests.two_practices.conftest import BELLEVILLE, LEA, LILAS

MOBILE = "33612345678"  # builders.patient()'s 06 12 34 56 78, as Vonage sends it


@pytest.fixture
async def bookings(practices, now):
    """One booking at each practice, SMS reminders on, by the same person."""
    at_lilas = await book(paris(2026, 12, 3, 11), now)
    at_belleville = await book(paris(2026, 12, 3, 14), now, practitioner=LEA, service="consultation")
    return at_lilas, at_belleville


async def test_the_same_person_has_one_record_in_each_practice(bookings):
    records = await Patient.filter(email="elise.durand@example.org").values_list("practice__slug", flat=True)
    assert sorted(records) == [LILAS, BELLEVILLE]
    for appointment in await Appointment.all().values("practice_id", "patient__practice_id"):
        assert appointment["practice_id"] == appointment["patient__practice_id"]


async def state() -> dict:
    return {
        "appointments": await Appointment.all().order_by("id").values_list("id", "sms_reminder", "email_reminder", "version"),
        "outbox": await OutboxMessage.all().order_by("id").values_list("id", "status"),
        "ledger": await ConsentRecord.all().count(),
    }


async def test_stop_from_an_unknown_number_changes_nothing_in_either_practice(bookings, now):
    before = await state()
    assert await withdraw_sms_consent(provider(now), key="inbound-1", msisdn="33698765432") == 0
    assert await state() == before


async def test_stop_withdraws_sms_consent_in_every_practice_that_knows_the_number(bookings, practices, now):
    assert await withdraw_sms_consent(provider(now), key="inbound-1", msisdn=MOBILE) == 2
    assert set(await Appointment.all().values_list("sms_reminder", flat=True)) == {False}
    withdrawals = await ConsentRecord.filter(purpose="sms_reminders", granted=False).values_list(
        "practice__slug", "patient__practice__slug")
    assert sorted(withdrawals) == [(LILAS, LILAS), (BELLEVILLE, BELLEVILLE)]
    sms = await OutboxMessage.filter(channel="sms").values_list("practice__slug", "status")
    assert {slug for slug, _ in sms} == {LILAS, BELLEVILLE} and {status for _, status in sms} == {"cancelled"}
    emails = await OutboxMessage.filter(channel="email").values_list("practice__slug", "status")
    assert {slug for slug, _ in emails} == {LILAS, BELLEVILLE} and {status for _, status in emails} == {"pending"}


async def test_a_manage_token_shows_and_cancels_its_own_booking_only(client, bookings):
    at_lilas, at_belleville = bookings
    for booked, practitioner, service in ((at_lilas, OSTEO, OSTEO_SERVICE), (at_belleville, LEA, "consultation")):
        seen = (await client.get(f"/api/v1/bookings/{booked.manage_token}")).json()
        assert (seen["id"], seen["practitioner"], seen["service"]) == (booked.appointment_id, practitioner, service)
    lilas_page = (await client.get(f"/b/{at_lilas.manage_token}")).text
    assert "Cabinet des Lilas" in lilas_page and "Belleville" not in lilas_page
    belleville_page = (await client.get(f"/b/{at_belleville.manage_token}")).text
    assert "Maison de santé Belleville" in belleville_page and "Lilas" not in belleville_page

    cancelled = await client.post(f"/api/v1/bookings/{at_belleville.manage_token}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled_by_patient"
    untouched = (await client.get(f"/api/v1/bookings/{at_lilas.manage_token}")).json()
    assert (untouched["status"], untouched["version"]) == ("not_filled", 1)


async def test_a_manage_token_moves_its_booking_on_its_own_practitioners_agenda(client, bookings):
    at_lilas, at_belleville = bookings
    # Wednesday afternoon: the osteopath is closed, the speech therapist open.
    wednesday = {"start": "2026-12-02T15:00:00+01:00"}
    refused = await client.post(f"/api/v1/bookings/{at_lilas.manage_token}/reschedule", json=wednesday)
    assert refused.status_code == 422 and "start" in refused.json()["error"]["fields"]
    moved = await client.post(f"/api/v1/bookings/{at_belleville.manage_token}/reschedule", json=wednesday)
    assert moved.status_code == 200 and moved.json()["start"] == wednesday["start"]
    # The osteopath's 11:00 on Thursday takes nothing from the other practice's agenda.
    same_time = {"start": "2026-12-03T11:00:00+01:00"}
    assert (await client.post(f"/api/v1/bookings/{at_belleville.manage_token}/reschedule", json=same_time)).status_code == 200
    lilas = (await client.get(f"/api/v1/bookings/{at_lilas.manage_token}")).json()
    assert (lilas["start"], lilas["version"]) == ("2026-12-03T11:00:00+01:00", 1)


def booking(practitioner: str, service: str) -> dict:
    return {"practitioner": practitioner, "service": service, "start": "2026-12-01T11:00:00+01:00",
            "patient": patient(), "consents": consents()}


async def test_a_practitioner_is_booked_only_with_their_own_services(client, practices):
    for practitioner, service in ((LEA, OSTEO_SERVICE), (OSTEO, "bilan-orthophonique")):
        refused = await client.post("/api/v1/bookings", json=booking(practitioner, service))
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
        slots = await client.get(f"/api/v1/practitioners/{practitioner}/slots", params={"service": service})
        assert slots.status_code == 404
    assert await Appointment.all().count() == 0
    # 'consultation' is also a service of the demo's audiologist (30 minutes): Léa's is hers (45).
    made = await client.post("/api/v1/bookings", json=booking(LEA, "consultation"))
    assert made.status_code == 201 and made.json()["end"] == "2026-12-01T11:45:00+01:00"
    appointment = await Appointment.get().values("practice__slug", "service__practitioner__slug", "service__slug")
    assert appointment == {"practice__slug": BELLEVILLE, "service__practitioner__slug": LEA,
                           "service__slug": "consultation"}
