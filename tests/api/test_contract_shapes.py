"""The public contract read literally, from outside: every API error is
`{"error": {"code", "message", "fields"}}`, and an empty query parameter means "not given"."""

from datetime import datetime

import httpx2
import pytest
from starlette.routing import Route

from creneau.app import create_app
from tests.api.conftest import make_settings
from tests.builders import consents, patient

START = "2026-12-01T11:00:00+01:00"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    import portal.clock

    monkeypatch.setattr(portal.clock, "utcnow", lambda: datetime.fromisoformat("2026-11-30T08:00:00+00:00"))


def booking(**overrides):
    data = {"practitioner": "camille-martin", "service": "consultation-adulte", "start": START,
            "patient": patient(), "consents": consents()}
    data.update(overrides)
    return data


def assert_error_shape(response, status, code):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error


async def test_every_api_error_carries_code_message_and_fields(client):
    assert (await client.post("/api/v1/bookings", json=booking())).status_code == 201
    taken = await client.post("/api/v1/bookings", json=booking(patient=patient(email="b@example.org")))
    assert assert_error_shape(taken, 409, "slot_taken")["fields"] == {}
    assert_error_shape(await client.get("/api/v1/bookings/nope"), 404, "not_found")
    assert_error_shape(await client.get("/api/v1/nope"), 404, "not_found")
    assert_error_shape(await client.get("/api/v1/bookings"), 405, "method_not_allowed")
    assert_error_shape(await client.post("/api/v1/bookings", content=b"{}", headers={"content-type": "text/plain"}),
                       415, "unsupported_media_type")
    assert_error_shape(await client.post("/api/v1/bookings", content=b"x" * 70_000,
                                         headers={"content-type": "application/json"}), 413, "too_large")
    invalid = assert_error_shape(await client.post("/api/v1/bookings", json=booking(start="demain")),
                                 422, "invalid_fields")
    assert "start" in invalid["fields"]
    assert_error_shape(await client.post("/webhooks/vonage/inbound", json={"text": "STOP"}), 401, "bad_signature")


async def test_an_unsigned_webhook_is_refused_in_the_callers_language(client):
    refused = await client.post("/webhooks/vonage/inbound", json={"text": "STOP"}, headers={"Accept-Language": "en"})
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "Missing or invalid signature."


async def boom(request):
    raise RuntimeError("unexpected")


async def test_an_unexpected_error_has_the_same_shape(database, tmp_path):
    app = create_app(make_settings(database, tmp_path), manage_db=False, run_background=False)
    app.router.routes.insert(0, Route("/api/v1/boom", boom))
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
        assert_error_shape(await client.get("/api/v1/boom"), 500, "internal_error")


@pytest.mark.parametrize("query", ["limit=", "cursor=", "limit=&cursor=", "practice=&profession=&service=&postcode="
                                   "&city=&limit=&cursor="])
async def test_empty_list_parameters_mean_not_given(client, query):
    listed = await client.get(f"/api/v1/practitioners?{query}")
    assert listed.status_code == 200, listed.text
    assert [item["slug"] for item in listed.json()["items"]] == ["hugo-bernard", "camille-martin"]


async def test_empty_slot_dates_mean_not_given(client):
    default = await client.get("/api/v1/practitioners/camille-martin/slots?service=consultation-adulte")
    empty = await client.get("/api/v1/practitioners/camille-martin/slots?service=consultation-adulte&from=&to=")
    assert empty.status_code == 200, empty.text
    assert empty.json() == default.json()


def test_the_openapi_document_says_fields_is_always_there_and_lists_the_statuses():
    from portal.web.api.openapi import openapi_document

    created = openapi_document("http://t")["paths"]["/api/v1/bookings"]["post"]["responses"]
    error = created["409"]["content"]["application/json"]["schema"]["properties"]["error"]
    assert error["required"] == ["code", "message", "fields"]
    status = created["201"]["content"]["application/json"]["schema"]["properties"]["status"]
    assert {"not_filled", "held", "cancelled_by_patient"} <= set(status["enum"])
