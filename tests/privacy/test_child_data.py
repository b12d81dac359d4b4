"""A child's booking and the patient's rights (issue 14 item 4): the messages go to the
accompanying adult, addressed to them, naming the child by first name only and no service
unless the practice allows it; the practitioner's notice names the child and the adult; the
export (its schema) holds the adult and who consented; erasure leaves nothing of the child nor
of the adult, in any table or message file."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from notifier.channels.file import FileChannel
from portal.models import Appointment, ConsentRecord, Patient
from portal.patients.erasure import erase_patients
from tests.builders import book, consents, load_demo, paris, system
from tests.patient_pages.conftest import csrf_token
from tests.privacy import test_erasure as erasure_scan
from tests.privacy.conftest import body, drain, link_in, open_centre

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "patient-export.v1.json").read_text())
ADULT = {"civility": "mme", "first_name": "Marie", "last_name": "Vasseur-Ngo", "email": "marie.vasseur@example.org",
         "phone": "06 98 76 54 32"}
CHILD = {"first_name": "Léonie", "last_name": "Vasseur-Ngo", "birth_date": "2018-05-03"}


async def book_child(now, start=None):
    return await book(start or paris(2026, 12, 2, 11), now, service="consultation-enfant", patient=ADULT,
                      child=CHILD, consents=consents(), comment="Pleure la nuit")


async def test_messages_address_the_adult_about_the_child(client, frozen, channels):
    await book_child(frozen)
    await drain(client._transport.app, channels, frozen)
    to_patient = [m for m in channels["email"].sent if "marie.vasseur@example.org" in m.recipients]
    assert len(to_patient) == 1
    text = body(to_patient[0])
    # No adult greeted by name: the one who brings the child this time (typed by the practice
    # for a returning child) need not be the one whose contact the record holds.
    assert text.startswith("Bonjour,") and "Pour : Léonie" in text and "Marie" not in text
    assert "Consultation enfant" not in text and "2018" not in text  # no service, no birth date
    sms = [m for m in channels["sms"].sent if m.to == "+33698765432"]
    assert sms and all("Léonie" not in m.text and "Consultation" not in m.text for m in sms)
    notice = [m for m in channels["email"].sent if "marie.vasseur@example.org" not in m.recipients]
    assert notice and "Patient : Léonie Vasseur-Ngo" in body(notice[0])
    assert "Accompagné par : Marie Vasseur-Ngo" in body(notice[0])


async def test_the_export_holds_the_adult_and_who_consented(client, frozen, channels):
    await book_child(frozen)
    await book(paris(2026, 12, 1, 11), frozen, patient={**ADULT, "birth_date": "1984-02-01"})  # the parent's own
    form = await client.get("/privacy/access")
    await client.post("/privacy/access", data={"csrf_token": csrf_token(form.text), "email": ADULT["email"]})
    await drain(client._transport.app, channels, frozen)
    link = link_in(channels["email"].sent[-1])
    await open_centre(client, link)
    document = (await client.get(link + "/export.json")).json()
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    # The address opens both records: the parent's and the child's, whose rights the parent exercises.
    assert sorted(p["first_name"] for p in document["patients"]) == ["Léonie", "Marie"]
    accompanied = [a["accompanied_by"] for a in document["appointments"]]
    assert sorted(accompanied, key=str) == sorted([{"first_name": "Marie", "last_name": "Vasseur-Ngo"}, None], key=str)
    assert {c["given_by"] for c in document["consents"]} == {"guardian", "patient"}


async def test_erasure_leaves_nothing_of_the_child_nor_of_the_adult(make_client, frozen, tmp_path, monkeypatch):
    await load_demo()
    channels = {"email": FileChannel(tmp_path / "outbox"), "sms": FileChannel(tmp_path / "outbox")}
    async with make_client(EMAIL_BACKEND="file", SMS_BACKEND="file") as http:
        result = await book_child(frozen)
        await drain(http._transport.app, channels, frozen)
        assert list((tmp_path / "outbox").iterdir())
        child_id = (await Appointment.get(id=result.appointment_id)).patient_id
        monkeypatch.setattr(erasure_scan, "NEEDLES", ["Marie"])
        # The scan can fail: before erasure it finds the adult's name, where the data map says.
        assert "appointment.guardian_first_name: Marie" in await erasure_scan.scan_tables()
        await erase_patients(system(frozen), [child_id], outbox_dir=tmp_path / "outbox", source="test")

    # The erasure scan of every column of every table and every file, looking for the child and the adult.
    monkeypatch.setattr(erasure_scan, "NEEDLES", ["Léonie", "Vasseur", "Marie", "marie.vasseur", "+33698765432",
                                                  "0698765432", "06 98 76 54 32", "2018-05-03", "Pleure la nuit"])
    assert await erasure_scan.scan_tables() == []
    assert erasure_scan.scan_files(tmp_path) == []
    stored = await Appointment.get(id=result.appointment_id)
    assert stored.guardian_first_name is None and stored.guardian_last_name is None
    assert (await Patient.get(id=child_id)).erased_at is not None
    assert await ConsentRecord.filter(patient_id=child_id, given_by="guardian").count() == 3  # the proof stays
