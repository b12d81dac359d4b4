"""The practice's settings page over HTTP, signed in: what is saved, what is refused and why,
nothing typed lost, the audit event, and nobody but the administrator."""

from __future__ import annotations

from html import unescape

from portal.audit.models import AuditEvent
from portal.models import Practice
from tests.admin.conftest import post_form, signed_in_as

VALID = {"name": "Cabinet des Lilas", "address": "12 rue des Lilas", "postcode": "75019", "city": "Paris",
         "locale": "fr", "practitioner_invitations": "1",
         "access_instructions": "2e étage, digicode 4512B", "phone": "01 42 00 00 01",
         "email": "accueil@cabinet-des-lilas.example", "timezone": "Europe/Paris", "holiday_region": "57",
         "cancellation_cutoff_hours": "24", "reminders_email": "72", "reminders_sms": "48, 30",
         "notify_practitioner": "1"}


async def test_the_administrator_saves_the_practice_settings(client, now):
    await signed_in_as(client, now)
    page = await client.get("/admin/settings")
    assert page.status_code == 200 and 'value="Cabinet des Lilas"' in page.text
    answer = await post_form(client, "/admin/settings", **VALID)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/settings?done=saved"
    practice = await Practice.get(slug="cabinet-des-lilas")
    assert (practice.phone, practice.email, practice.holiday_region) == (
        "+33142000001", "accueil@cabinet-des-lilas.example", "57")
    assert practice.access_instructions == "2e étage, digicode 4512B"
    assert practice.reminder_policy == {"email": [72], "sms": [48, 30]} and practice.notify_practitioner
    event = await AuditEvent.get(action="practice.settings")
    assert event.object_id == practice.id and "digicode" not in event.detail
    shown = await client.get("/admin/settings?done=saved")
    assert "Réglages enregistrés" in shown.text and "Saint-Étienne" in unescape(shown.text)


async def test_every_field_is_checked_with_its_own_message_and_nothing_typed_is_lost(client, now):
    await signed_in_as(client, now)
    before = await Practice.get(slug="cabinet-des-lilas")
    typed = {**VALID, "name": "", "phone": "12", "email": "pas-une-adresse", "timezone": "Mars/Olympus",
             "holiday_region": "XX", "cancellation_cutoff_hours": "beaucoup", "reminders_email": "72, abc",
             "reminders_sms": "1, 2, 3, 4", "address": "Rue du Typo 7"}
    answer = await post_form(client, "/admin/settings", **typed)
    assert answer.status_code == 422
    text = unescape(answer.text)
    for message in ("Ce champ est obligatoire.", "Ce numéro de téléphone n'est pas valide",
                    "Cette adresse e-mail n'est pas valide.", "Choisissez un fuseau horaire de la liste.",
                    "Choisissez une région de la liste.", "Indiquez un nombre d'heures entre 0 et 168.",
                    "Indiquez des nombres d'heures séparés par des virgules", "3 rappels au plus par canal."):
        assert message in text, message
    assert 'value="Rue du Typo 7"' in text and 'value="pas-une-adresse"' in text and 'value="72, abc"' in text
    assert (await Practice.get(id=before.id)).name == before.name
    assert not await AuditEvent.filter(action="practice.settings").exists()


async def test_a_reminder_after_the_cutoff_is_refused_because_the_patient_could_not_act(client, now):
    await signed_in_as(client, now)
    answer = await post_form(client, "/admin/settings", **{**VALID, "cancellation_cutoff_hours": "24",
                                                           "reminders_sms": "24"})
    assert answer.status_code == 422
    assert "Un rappel doit partir avant la limite d'annulation en ligne (24 h" in unescape(answer.text)


async def test_the_default_reminders_leave_time_to_act_before_the_default_cutoff():
    practice = Practice(name="x", slug="x")
    cutoff = practice.cancellation_cutoff_hours
    assert all(hours > cutoff for channel in practice.reminder_policy.values() for hours in channel)


async def test_a_practitioner_does_not_see_the_settings(client, now):
    await signed_in_as(client, now, "camille@cabinet-des-lilas.example", "practitioner", practitioner="camille-martin")
    assert (await client.get("/admin/settings")).status_code == 404
    refused = await post_form(client, "/admin/account/2fa", "/admin/settings", **VALID)
    assert refused.status_code == 404
    assert not await AuditEvent.filter(action="practice.settings").exists()


async def test_the_settings_pages_speak_english(client, now):
    await signed_in_as(client, now)
    assert "Practice settings" in (await client.get("/admin/settings?lang=en")).text
    answer = await post_form(client, "/admin/settings?lang=en", "/admin/settings?lang=en", **{**VALID, "name": ""})
    assert "This field is required." in answer.text
    for path, heading in (("/admin/settings/feeds", "Create a feed"), ("/admin/settings/calendars", "Add a calendar"),
                          ("/admin/messages", "Send a test e-mail")):
        assert heading in unescape((await client.get(path + "?lang=en")).text), path
