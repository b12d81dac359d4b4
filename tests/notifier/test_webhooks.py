"""Vonage webhooks through the app's routes: signed only, duplicates ignored, STOP withdraws."""

import time
from datetime import UTC, datetime

import httpx2
import pytest
from starlette.applications import Starlette
from vonage import Auth

from notifier import webhooks
from notifier.worker import drain_once
from portal.models import Appointment, ConsentRecord, OutboxMessage
from tests.builders import book, load_demo, paris, patient
from tests.notifier.conftest import make_settings

SIGNATURE_SECRET = "webhook-signature-secret"


@pytest.fixture
async def client(database, tmp_path):
    app = Starlette(routes=webhooks.routes)
    app.state.settings = make_settings(database, tmp_path, vonage_api_key="key", vonage_signature_secret=SIGNATURE_SECRET)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as test_client:
        yield test_client


def signed(params: dict, secret: str = SIGNATURE_SECRET) -> dict:
    params = {**params, "timestamp": str(int(time.time()))}
    params["sig"] = Auth(api_key="key", signature_secret=secret, signature_method="sha256").sign_params(dict(params))
    return params


async def sent_sms(settings, channels, clock, now) -> OutboxMessage:
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    await drain_once(settings, channels, now=clock)
    return await OutboxMessage.get(channel="sms", kind="confirmation")


async def test_receipt_marks_delivered_once(client, settings, channels, clock, now):
    row = await sent_sms(settings, channels, clock, now)
    receipt = {"msisdn": "33612345678", "to": "LILAS", "messageId": "vonage-77", "status": "delivered",
               "err-code": "0", "client-ref": f"outbox-{row.id}", "scts": "2611300800"}
    assert (await client.post("/webhooks/vonage/delivery", data=signed(receipt))).status_code == 204
    assert (await OutboxMessage.get(id=row.id)).status == "delivered"
    # Vonage retries: the same receipt again, then a contradicting late one with the same key.
    assert (await client.post("/webhooks/vonage/delivery", data=signed(receipt))).status_code == 204
    assert (await OutboxMessage.get(id=row.id)).status == "delivered"


async def test_failed_receipt_as_json(client, settings, channels, clock, now):
    row = await sent_sms(settings, channels, clock, now)
    receipt = {"msisdn": "33612345678", "messageId": "vonage-78", "status": "failed", "err-code": "1",
               "client-ref": f"outbox-{row.id}"}
    assert (await client.post("/webhooks/vonage/delivery", json=signed(receipt))).status_code == 204
    stored = await OutboxMessage.get(id=row.id)
    assert stored.status == "failed" and "err-code 1" in stored.last_error


@pytest.mark.parametrize("tamper", ["unsigned", "wrong_secret", "changed", "stale"])
async def test_bad_signatures_get_401(client, settings, channels, clock, now, tamper):
    row = await sent_sms(settings, channels, clock, now)
    receipt = {"messageId": "vonage-79", "status": "delivered", "client-ref": f"outbox-{row.id}"}
    if tamper == "unsigned":
        params = receipt
    elif tamper == "wrong_secret":
        params = signed(receipt, secret="not-the-secret")
    elif tamper == "changed":
        params = {**signed(receipt), "status": "failed"}
    else:
        params = {**receipt, "timestamp": str(int(time.time()) - 3600)}
        params["sig"] = Auth(api_key="key", signature_secret=SIGNATURE_SECRET, signature_method="sha256").sign_params(dict(params))
    assert (await client.post("/webhooks/vonage/delivery", data=params)).status_code == 401
    assert (await client.post("/webhooks/vonage/inbound", data={**params, "text": "STOP"})).status_code == 401
    assert (await OutboxMessage.get(id=row.id)).status == "sent"


@pytest.mark.parametrize("word", ["STOP", "Arrêt", " arret "])
async def test_stop_withdraws_sms_consent_and_cancels_pending_sms(client, settings, channels, clock, now, word):
    await load_demo()
    result = await book(paris(2026, 12, 3, 11), now)
    message = {"msisdn": "33612345678", "to": "33700000000", "messageId": "mo-1", "text": word, "type": "text",
               "message-timestamp": "2026-11-30 08:00:00"}
    assert (await client.post("/webhooks/vonage/inbound", data=signed(message))).status_code == 204
    assert (await client.post("/webhooks/vonage/inbound", data=signed(message))).status_code == 204  # duplicate
    ledger = await ConsentRecord.filter(purpose="sms_reminders").order_by("id").values_list("granted", "channel")
    assert ledger == [(True, "api"), (False, "sms")]
    assert not (await Appointment.get(id=result.appointment_id)).sms_reminder
    sms_rows = await OutboxMessage.filter(channel="sms").values_list("status", flat=True)
    assert sms_rows and set(sms_rows) == {"cancelled"}
    assert (await drain_once(settings, channels, now=clock)).outcomes == {"sent": 2}
    assert channels["sms"].sent == []


async def test_other_replies_change_nothing(client, now):
    await load_demo()
    await book(paris(2026, 12, 3, 11), now)
    message = {"msisdn": "33612345678", "messageId": "mo-2", "text": "Merci, à mardi"}
    assert (await client.post("/webhooks/vonage/inbound", data=signed(message))).status_code == 204
    assert await ConsentRecord.filter(purpose="sms_reminders", granted=False).count() == 0


@pytest.mark.parametrize("encoding", ["form", "json"])
async def test_a_non_ascii_signature_is_refused_not_a_server_error(client, encoding):
    params = {"messageId": "x", "status": "delivered", "timestamp": str(int(time.time())), "sig": "é" * 64}
    body = {"data": params} if encoding == "form" else {"json": params}
    assert (await client.post("/webhooks/vonage/delivery", **body)).status_code == 401
    assert (await client.post("/webhooks/vonage/inbound", **body)).status_code == 401


def test_a_signature_check_that_raises_is_a_bad_signature(monkeypatch, tmp_path):
    from vonage import Auth as VonageAuth

    def explode(self, params):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(VonageAuth, "check_signature", explode)
    settings = make_settings("sqlite://unused", tmp_path, vonage_api_key="key", vonage_signature_secret=SIGNATURE_SECRET)
    params = signed({"messageId": "x"})
    assert webhooks.signature_ok(params, settings, datetime.fromtimestamp(int(params["timestamp"]), UTC)) is False


async def test_stop_from_the_number_typed_for_a_booking_stops_that_bookings_sms(client, settings, channels, clock,
                                                                                 now):
    await load_demo()
    await book(paris(2026, 12, 3, 11), now)
    other = await book(paris(2026, 12, 4, 11), now, patient=patient(phone="07 98 76 54 32"))  # same person
    message = {"msisdn": "33798765432", "messageId": "mo-3", "text": "STOP"}
    assert (await client.post("/webhooks/vonage/inbound", data=signed(message))).status_code == 204
    assert not (await Appointment.get(id=other.appointment_id)).sms_reminder
    assert await ConsentRecord.filter(purpose="sms_reminders", granted=False, channel="sms").count() == 1
    await drain_once(settings, channels, now=clock)
    assert "+33798765432" not in {m.to for m in channels["sms"].sent}
