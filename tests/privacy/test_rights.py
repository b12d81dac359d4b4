"""Rectification (a new address or number is used only once confirmed from it), withdrawal of
reminders, restriction (no message, no online booking, the practice sees why)."""

from __future__ import annotations

import pytest

from notifier.worker import drain_once
from portal.errors import NotAllowed
from portal.models import Appointment, OutboxMessage, Patient
from tests.builders import book, paris, patient
from tests.patient_pages.conftest import csrf_token
from tests.privacy.conftest import drain, link_in, open_centre

TUESDAY_14, WEDNESDAY_10 = paris(2026, 12, 1, 14), paris(2026, 12, 2, 10)


async def opened(client, channels, now) -> tuple[str, str]:
    form = await client.get("/privacy/access")
    await client.post("/privacy/access", data={"csrf_token": csrf_token(form.text), "email": "elise.durand@example.org"})
    await drain(client._transport.app, channels, now)
    link = link_in(channels["email"].sent[-1])
    page = await open_centre(client, link)
    return link, csrf_token(page.text)


async def test_names_are_corrected_and_bad_ones_refused_per_field(client, frozen, channels):
    await book(TUESDAY_14, frozen)
    link, token = await opened(client, channels, frozen)
    refused = await client.post(link + "/names", data={"csrf_token": token, "first_name": "", "last_name": "Durand"})
    assert refused.status_code == 422 and "Indiquez votre prénom" in refused.text
    done = await client.post(link + "/names", data={"csrf_token": token, "first_name": "Élise", "last_name": "Durand"})
    assert done.status_code == 303
    assert (await Patient.get()).last_name == "Durand"


async def test_a_new_email_is_used_only_once_confirmed_from_it(client, frozen, channels):
    await book(TUESDAY_14, frozen)
    link, token = await opened(client, channels, frozen)
    await client.post(link + "/contact/email", data={"csrf_token": token, "email": "Elise@Nouvelle.example"})
    assert (await Patient.get()).email == "elise.durand@example.org"  # not yet
    await drain(client._transport.app, channels, frozen)
    confirmation = channels["email"].sent[-1]
    assert confirmation.recipients == ("elise@nouvelle.example",)  # sent to the new address, not the old
    confirm = link_in(confirmation, "/privacy/confirm/")
    page = await client.get(confirm)
    done = await client.post(confirm, data={"csrf_token": csrf_token(page.text)})
    assert done.status_code == 200 and "Coordonnées confirmées" in done.text
    assert (await Patient.get()).email == "elise@nouvelle.example"
    again = await client.post(confirm, data={"csrf_token": csrf_token(page.text)})
    assert again.status_code == 404  # single use
    assert (await client.get(link)).status_code == 200  # the open centre follows the address


async def test_a_new_phone_is_confirmed_by_sms_then_serves_upcoming_bookings(client, frozen, channels):
    result = await book(TUESDAY_14, frozen)
    link, token = await opened(client, channels, frozen)
    refused = await client.post(link + "/contact/phone", data={"csrf_token": token, "phone": "01 42 00 00 00"})
    assert refused.status_code == 422 and "mobile" in refused.text
    await client.post(link + "/contact/phone", data={"csrf_token": token, "phone": "07 98 76 54 32"})
    await drain(client._transport.app, channels, frozen)
    sms = channels["sms"].sent[-1]
    assert sms.to == "+33798765432"
    confirm = link_in(sms, "/privacy/confirm/")
    page = await client.get(confirm)
    await client.post(confirm, data={"csrf_token": csrf_token(page.text)})
    assert (await Patient.get()).phone == "+33798765432"
    assert (await Appointment.get(id=result.appointment_id)).contact_phone == "+33798765432"


async def test_withdrawing_sms_reminders_stops_them(client, frozen, channels):
    result = await book(TUESDAY_14, frozen)
    link, token = await opened(client, channels, frozen)
    done = await client.post(link + "/reminders", data={"csrf_token": token, "purpose": "sms_reminders"})
    assert done.status_code == 303
    assert not (await Appointment.get(id=result.appointment_id)).sms_reminder
    assert await OutboxMessage.filter(appointment_id=result.appointment_id, channel="sms", status="pending").count() == 0


async def test_restriction_stops_messages_and_online_booking_until_lifted(client, frozen, channels):
    result = await book(TUESDAY_14, frozen)
    link, token = await opened(client, channels, frozen)
    done = await client.post(link + "/restriction", data={"csrf_token": token, "reason": "objection",
                                                         "note": "je conteste"})
    assert done.status_code == 303
    record = await Patient.get()
    assert record.restricted_at == frozen and record.restriction_reason == "objection: je conteste"  # the practice sees why
    pending = await OutboxMessage.filter(appointment_id=result.appointment_id, audience="patient").values_list(
        "status", "last_error")
    assert {status for status, _ in pending} <= {"cancelled", "sent"}
    with pytest.raises(NotAllowed):
        await book(WEDNESDAY_10, frozen)
    page = await client.get(link)
    lifted = await client.post(link + "/restriction", data={"csrf_token": csrf_token(page.text), "lift": "1"})
    assert lifted.status_code == 303 and (await Patient.get()).restricted_at is None
    assert (await book(WEDNESDAY_10, frozen)).appointment_id


async def test_the_worker_sends_nothing_to_a_restricted_patient(client, frozen, channels):
    """The send-time check, whatever was pending when the flag was set (here: set behind the
    use case's back, so that only the worker's check can stop the message)."""
    await book(TUESDAY_14, frozen, patient=patient())
    await Patient.all().update(restricted_at=frozen, restriction_reason="restriction")
    await drain_once(client._transport.app.state.settings, channels, now=lambda: frozen)
    to_patient = [m for m in channels["email"].sent if "elise.durand@example.org" in m.recipients] + channels["sms"].sent
    assert to_patient == []
    reasons = await OutboxMessage.filter(audience="patient").exclude(status="pending").values_list("status", "last_error")
    assert set(reasons) == {("cancelled", "patient restricted processing")}
    assert await OutboxMessage.filter(audience="practitioner", status="sent").count() == 1  # the practice is told


async def test_the_practice_reads_the_flag_and_why_through_the_core(database, now):
    from dataclasses import replace

    from portal.context import Scope
    from portal.errors import NotFound
    from portal.patients.rights import restriction_of
    from tests.builders import load_demo, system

    await load_demo()
    await book(TUESDAY_14, now)
    record = await Patient.get()
    assert await restriction_of(system(now), record.id) is None
    await Patient.filter(id=record.id).update(restricted_at=now, restriction_reason="objection")
    shown = await restriction_of(system(now), record.id)
    assert shown is not None and (shown.since, shown.reason) == (now, "objection")
    elsewhere = replace(system(now), scope=Scope(practice_ids=frozenset({record.practice_id + 1})))
    with pytest.raises(NotFound):
        await restriction_of(elsewhere, record.id)  # another practice's staff sees nothing


async def test_a_centre_reaches_its_own_patients_and_nothing_else(database, now):
    from portal import access
    from portal.context import privacy_centre
    from portal.errors import NotFound
    from tests.builders import load_demo

    await load_demo()
    mine = await book(TUESDAY_14, now)
    other = await book(WEDNESDAY_10, now, patient=patient(email="someone@example.org", first_name="Paul"))
    me = await Patient.get(email="elise.durand@example.org")
    ctx = privacy_centre(frozenset({me.id}), frozenset({me.practice_id}), now=now)
    assert (await access.appointment_by_id(ctx, mine.appointment_id)).id == mine.appointment_id
    with pytest.raises(NotFound):
        await access.appointment_by_id(ctx, other.appointment_id)
    with pytest.raises(NotFound):
        await access.booking_by_token(ctx, other.manage_token)
    assert [p.id for p in await access.own_patients(ctx)] == [me.id]


async def test_the_centre_reads_as_one_language(client, frozen, channels):
    """In English, the centre named the service in French ("Consultation adulte"), headed the
    patient's full name "Last name", wrote the birth date as 1987-04-12 and the consents with
    French spacing ("Text message reminders : given")."""
    await book(TUESDAY_14, frozen)  # e-mail and SMS reminders given
    link, _ = await opened(client, channels, frozen)
    english = (await client.get(link, headers={"accept-language": "en"})).text
    assert "Adult consultation · Camille Martin" in english and "Consultation adulte" not in english
    assert "<dt>Name</dt><dd>Élise Durand-Lefèvre</dd>" in english
    # 12/04/1987 reads as December 4th to many English readers; a French national number
    # cannot be dialled from abroad.
    assert "<dt>Date of birth</dt><dd>12 Apr 1987</dd>" in english
    assert "<dd>+33 6 12 34 56 78</dd>" in english
    assert "<h3>Text message reminders: given</h3>" in english
    french = (await client.get(link, headers={"accept-language": "fr"})).text
    assert "Consultation adulte · Camille Martin" in french
    assert "<dt>Prénom et nom</dt><dd>Élise Durand-Lefèvre</dd>" in french and "<dt>Date de naissance</dt><dd>12/04/1987</dd>" in french
    assert "Rappels par SMS : accordé" in french and "<dd>06 12 34 56 78</dd>" in french


async def test_lifting_a_restriction_brings_the_chosen_reminders_back(client, frozen, channels):
    """Restricting cancels what was pending; lifting it must not leave the patient silently without
    the reminders they still consent to (the page said only "La limitation est levée.")."""
    result = await book(paris(2026, 12, 9, 10), frozen)  # reminders 72 h and 48 h before: ahead
    reminders = OutboxMessage.filter(appointment_id=result.appointment_id, kind="reminder")
    before = sorted(await reminders.filter(status="pending").values_list("channel", "due_at"))
    assert before  # the booking planned reminders
    link, token = await opened(client, channels, frozen)
    await client.post(link + "/restriction", data={"csrf_token": token, "reason": "restriction"})
    assert await reminders.filter(status="pending").count() == 0
    page = await client.get(link)
    lifted = await client.post(link + "/restriction", data={"csrf_token": csrf_token(page.text), "lift": "1"})
    assert sorted(await reminders.filter(status="pending").values_list("channel", "due_at")) == before
    shown = await client.get(lifted.headers["location"])
    assert "La limitation est levée. Les rappels choisis pour vos rendez-vous à venir reprennent." in shown.text


async def test_withdrawing_reminders_never_chosen_says_so_and_records_nothing(client, frozen, channels):
    """A patient who never chose SMS reminders pressing "Retirer les rappels par SMS" was told they
    were withdrawn, and each press added a "retiré" row to the consent ledger they read."""
    from portal.models import ConsentRecord
    from tests.builders import consents

    await book(TUESDAY_14, frozen, consents=consents(sms_reminders=False))
    link, token = await opened(client, channels, frozen)
    ledger = await ConsentRecord.all().count()
    for _ in range(2):
        done = await client.post(link + "/reminders", data={"csrf_token": token, "purpose": "sms_reminders"})
        shown = await client.get(done.headers["location"])
        assert "Vous n&#39;aviez pas de rappels par SMS : rien n&#39;est changé." in shown.text
        assert "sont retirés" not in shown.text
    assert await ConsentRecord.all().count() == ledger
    english = await client.get(done.headers["location"] + "&lang=en")
    assert "You had no SMS reminders: nothing has changed." in english.text
    done = await client.post(link + "/reminders", data={"csrf_token": token, "purpose": "email_reminders"})
    shown = await client.get(done.headers["location"] + "&lang=fr")
    assert "Les rappels par e-mail sont retirés de vos rendez-vous à venir." in shown.text
    assert await ConsentRecord.filter(purpose="email_reminders", granted=False).count() == 1
