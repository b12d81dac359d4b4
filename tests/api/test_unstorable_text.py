"""A NUL byte or a lone surrogate — text PostgreSQL refuses — answers 4xx on every database,
wherever it comes in: a slug, a token, a query parameter, a JSON field, a form field (issue 10
item 2). Run with CRENEAU_TEST_POSTGRES_URL for the PostgreSQL half."""

import json
import re

import pytest

from portal.models import Appointment, Patient
from tests.api.test_bookings_api import START, body, frozen_clock  # noqa: F401 (fixture)
from tests.builders import patient

NUL = "\x00"


@pytest.mark.parametrize("path, status", [
    ("/api/v1/practitioners/camille%00martin/slots?service=consultation-adulte", 404),
    ("/api/v1/practitioners/camille-martin/slots?service=consultation%00adulte", 422),
    ("/api/v1/practitioners/camille-martin/slots?service=consultation-adulte&from=2026-12-01%00", 422),
    ("/api/v1/practitioners?practice=cabinet%00", 422),
    ("/api/v1/bookings/abc%00def", 404),
    ("/feeds/abc%00def.ics", 404),
    ("/p/camille%00martin", 404),
    ("/p/camille-martin?service=consultation%00adulte", 400),
    ("/c/cabinet%00des-lilas", 404),
    ("/b/abc%00def", 404),
    ("/api/v1/practitioners/camille-martin/slots?service=consultation-adulte&%00=1", 422),
])
async def test_a_nul_in_a_path_or_a_query_parameter_is_4xx(client, path, status):
    response = await client.get(path)
    assert response.status_code == status, response.text
    if status == 422:
        assert "caractère non autorisé" in json.dumps(response.json()["error"]["fields"], ensure_ascii=False)


@pytest.mark.parametrize("payload, field", [
    (body(patient=patient(first_name=f"Él{NUL}ise")), "patient.first_name"),
    (body(comment=f"genou{NUL}"), "comment"),
    (body(practitioner=f"camille-martin{NUL}"), "practitioner"),
    (body(start=f"{START}{NUL}"), "start"),
    ({**body(), f"x{NUL}": 1}, "x\ufffd"),
])
async def test_a_nul_in_a_json_field_is_422_with_its_name_and_nothing_is_written(client, payload, field):
    response = await client.post("/api/v1/bookings", json=payload)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]
    assert await Appointment.all().count() == 0 and await Patient.all().count() == 0


async def test_a_lone_surrogate_in_a_json_field_is_422_with_its_name(client):
    raw = json.dumps(body()).replace('"Durand-Lef\\u00e8vre"', '"Durand\\udc00"').encode()
    response = await client.post("/api/v1/bookings", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422 and "patient.last_name" in response.json()["error"]["fields"]


async def test_a_nul_in_a_reschedule_is_422(client):
    created = await client.post("/api/v1/bookings", json=body())
    token = created.json()["manage_url"].rsplit("/", 1)[1]
    moved = await client.post(f"/api/v1/bookings/{token}/reschedule", json={"start": f"{START}{NUL}"})
    assert moved.status_code == 422 and "start" in moved.json()["error"]["fields"]


async def test_a_nul_in_a_form_field_is_4xx_and_nothing_is_written(client):
    start = "2026-12-01T11%3A00%3A00%2B01%3A00"
    page = await client.get(f"/p/camille-martin/book?service=consultation-adulte&start={start}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    version = re.search(r'name="privacy_version" value="([^"]*)"', page.text).group(1)
    form = {"csrf_token": token, "service": "consultation-adulte", "start": START, "civility": "mme",
            "first_name": f"Élise{NUL}", "last_name": "Durand", "email": "elise@example.org",
            "phone": "06 12 34 56 78", "birth_date": "12/04/1987", "comment": "", "privacy_notice": "1",
            "privacy_version": version}
    answer = await client.post("/p/camille-martin/book", data=form)
    assert 400 <= answer.status_code < 500 and "first_name" in answer.text
    assert await Appointment.all().count() == 0
