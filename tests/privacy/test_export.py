"""Access and portability: one JSON document (checked against the schema shipped in the repo)
and an .ics of the appointments."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from icalendar import Calendar

from portal.patients.consent_texts import PRIVACY_NOTICE_VERSION
from tests.builders import book, paris
from tests.patient_pages.conftest import csrf_token
from tests.privacy.conftest import drain, link_in, open_centre

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "patient-export.v1.json").read_text())
TUESDAY_14, WEDNESDAY_10 = paris(2026, 12, 1, 14), paris(2026, 12, 2, 10)


async def centre_link(client, channels, now) -> str:
    form = await client.get("/privacy/access")
    await client.post("/privacy/access", data={"csrf_token": csrf_token(form.text), "email": "elise.durand@example.org"})
    await drain(client._transport.app, channels, now)
    link = link_in(channels["email"].sent[-1])
    await open_centre(client, link)
    return link


async def test_the_json_export_follows_its_schema_and_holds_everything(client, frozen, channels):
    await book(TUESDAY_14, frozen, comment="Douleur au genou")
    await book(WEDNESDAY_10, frozen, consents={"privacy_notice": PRIVACY_NOTICE_VERSION, "email_reminders": False,
                                               "sms_reminders": False})
    await drain(client._transport.app, channels, frozen)  # the confirmations go: messages to list
    link = await centre_link(client, channels, frozen)
    answer = await client.get(link + "/export.json")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    assert "attachment" in answer.headers["content-disposition"]
    document = answer.json()
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert [p["last_name"] for p in document["patients"]] == ["Durand-Lefèvre"]
    assert len(document["appointments"]) == 2 and "Douleur au genou" in [a["comment"] for a in document["appointments"]]
    assert {c["purpose"] for c in document["consents"]} == {"privacy_notice", "email_reminders", "sms_reminders"}
    assert all(c["text"] for c in document["consents"])
    assert {(m["kind"], m["status"]) for m in document["messages"]} >= {("confirmation", "sent")}


async def test_a_schema_violation_is_caught():
    """The schema test can fail: a document missing a field, or with an extra one, is refused."""
    bad = {"format": "creneau-patient-export", "version": 1, "exported_at": "2026-11-30T08:00:00+00:00",
           "patients": [{"id": 1}], "appointments": [], "consents": [], "messages": []}
    try:
        jsonschema.validate(bad, SCHEMA)
    except jsonschema.ValidationError:
        return
    raise AssertionError("an incomplete patient passed the schema")


async def test_the_calendar_export_has_every_appointment(client, frozen, channels):
    await book(TUESDAY_14, frozen)
    await book(WEDNESDAY_10, frozen)
    link = await centre_link(client, channels, frozen)
    answer = await client.get(link + "/export.ics")
    assert answer.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(answer.content).walk("VEVENT")
    assert sorted(event.DTSTART for event in events) == [TUESDAY_14, WEDNESDAY_10]


async def test_exports_need_the_opened_centre(client, frozen, channels, make_client):
    await book(TUESDAY_14, frozen)
    link = await centre_link(client, channels, frozen)
    async with make_client() as stranger:
        assert (await stranger.get(link + "/export.json")).status_code == 404


async def test_the_calendar_export_says_what_the_invitations_say(client, frozen, channels):
    """The export shares the invitations' UIDs, so importing it updates the events the patient's
    calendar already has: it must say what they say (the practitioner, the service only where
    its messages may name it, the practice's address), or it renames them and puts the service
    on a lock screen. The JSON export holds the service."""
    from portal.booking.calendar_event import patient_summary
    from portal.models import Practice, Practitioner, Service

    await book(TUESDAY_14, frozen)
    camille = await Practitioner.get(slug="camille-martin")
    service = await Service.get(practitioner=camille, slug="consultation-adulte")
    practice = await Practice.get(id=camille.practice_id)
    assert not service.messages_name_service
    link = await centre_link(client, channels, frozen)
    [event] = Calendar.from_ical((await client.get(link + "/export.ics")).content).walk("VEVENT")
    assert str(event["SUMMARY"]) == patient_summary(camille.display_name, None, "fr")
    assert service.name not in event.to_ical().decode()
    assert str(event["LOCATION"]) == f"{practice.name}, {practice.full_address}"
    await Service.filter(id=service.id).update(messages_name_service=True)
    [event] = Calendar.from_ical((await client.get(link + "/export.ics")).content).walk("VEVENT")
    assert str(event["SUMMARY"]) == patient_summary(camille.display_name, service.name, "fr")
