"""The practice's and practitioners' profiles over HTTP (issue 14): languages spoken (the
back-office, the patient pages, the API), the address in parts (the settings page, the API's
indexed filters, old one-line addresses split by migration 0014), the practice's language and
calendar-invitation switch, the privacy contact in the notice's practice block, and a staff
invitation e-mail in the invitee's language."""

from __future__ import annotations

import importlib
from html import unescape
from types import SimpleNamespace

from tortoise import connections

from notifier.channels.memory import MemoryChannel
from notifier.worker import drain_once
from portal.audit.models import AuditEvent
from portal.models import Practice, Practitioner, StaffInvitation
from portal.practice.address import city_key, clean_postcode, split_address
from tests.admin.conftest import post_form, signed_in_as
from tests.admin.test_practitioner_page import PROFILE
from tests.admin.test_settings_page import VALID

SETTINGS = "/admin/settings"


async def profile(slug: str) -> str:
    return f"/admin/settings/practitioners/{(await Practitioner.get(slug=slug)).id}"


async def test_languages_spoken_are_saved_and_shown_to_patients_and_in_the_api(client, now):
    await signed_in_as(client, now)
    path = await profile("hugo-bernard")
    form = await client.get(path)
    assert 'value="es"' in form.text and "espagnol" in form.text and "langue des signes française" in form.text
    from tests.admin.conftest import csrf_of
    answer = await client.post(path, data={"csrf_token": csrf_of(form.text), **PROFILE,
                                           "languages": ["es", "fr", "fsl"]})
    assert answer.status_code == 303
    assert (await Practitioner.get(slug="hugo-bernard")).languages == ["fr", "es", "fsl"]  # the list's order
    assert await AuditEvent.filter(action="practitioner.profile").exists()
    page = unescape((await client.get("/p/hugo-bernard")).text)
    assert "Langues parlées : français, espagnol, langue des signes française (LSF)" in page
    english = unescape((await client.get("/p/hugo-bernard?lang=en")).text)
    assert "Languages spoken: French, Spanish, French Sign Language (LSF)" in english
    assert "Langues parlées : français, espagnol" in unescape((await client.get("/c/cabinet-des-lilas?lang=fr")).text)
    items = (await client.get("/api/v1/practitioners?limit=100")).json()["items"]
    by_slug = {item["slug"]: item for item in items}
    assert by_slug["hugo-bernard"]["languages"] == ["fr", "es", "fsl"]
    assert by_slug["camille-martin"]["languages"] == []
    document = (await client.get("/api/v1/openapi.json")).json()
    listed = document["paths"]["/api/v1/practitioners"]["get"]["responses"]["200"]["content"]["application/json"]
    practitioner = listed["schema"]["properties"]["items"]["items"]
    assert "fsl" in practitioner["properties"]["languages"]["items"]["enum"]


async def test_an_unknown_language_is_refused_and_nothing_typed_is_lost(client, now):
    await signed_in_as(client, now)
    path = await profile("hugo-bernard")
    from tests.admin.conftest import csrf_of
    form = await client.get(path)
    answer = await client.post(path, data={"csrf_token": csrf_of(form.text), **PROFILE, "bio": "Typed bio",
                                           "languages": ["es", "klingon"]})
    assert answer.status_code == 422
    text = unescape(answer.text)
    assert "Choisissez des langues de la liste." in text and 'aria-describedby="languages-error"' in text
    assert "Typed bio" in text and 'value="es" checked' in text
    assert (await Practitioner.get(slug="hugo-bernard")).languages == []
    assert not await AuditEvent.filter(action="practitioner.profile").exists()


async def test_the_address_in_parts_is_checked_saved_and_filters_the_api(client, now):
    await signed_in_as(client, now)
    for typed, message in ((("2A004", "Ajaccio"), "2A et 2B sont des numéros de département"),
                           (("7501", "Paris"), "code postal français à 5 chiffres"),
                           (("00100", "Nulle part"), "code postal français à 5 chiffres"),
                           (("20000", ""), "Indiquez le code postal et la ville, ou aucun des deux.")):
        answer = await post_form(client, SETTINGS, **{**VALID, "postcode": typed[0], "city": typed[1]})
        assert answer.status_code == 422, typed
        text = unescape(answer.text)
        assert message in text and f'value="{typed[0]}"' in text, typed
    lilas = await Practice.get(slug="cabinet-des-lilas")
    assert (lilas.postcode, lilas.city) == ("75019", "Paris")
    assert not await AuditEvent.filter(action="practice.settings").exists()
    saved = await post_form(client, SETTINGS, **{**VALID, "address": "1 cours Napoléon", "postcode": "20000",
                                                 "city": "Ajaccio"})
    assert saved.status_code == 303
    lilas = await Practice.get(slug="cabinet-des-lilas")
    assert (lilas.address, lilas.postcode, lilas.city, lilas.city_key) == (
        "1 cours Napoléon", "20000", "Ajaccio", "ajaccio")
    items = (await client.get("/api/v1/practitioners?postcode=20000&city=AJACCIO")).json()["items"]
    assert {item["slug"] for item in items} == {"camille-martin", "hugo-bernard"}
    assert items[0]["practice"]["address"] == "1 cours Napoléon, 20000 Ajaccio"  # one line, as before
    assert (await client.get("/api/v1/practitioners?postcode=75019")).json()["items"] == []
    assert "1 cours Napoléon, 20000 Ajaccio" in unescape((await client.get("/c/cabinet-des-lilas")).text)


async def test_language_invitations_switch_and_privacy_contact(client, now):
    await signed_in_as(client, now)
    page = unescape((await client.get(SETTINGS)).text)
    assert 'id="practitioner_invitations" name="practitioner_invitations" type="checkbox" value="1" checked' in page
    refused = await post_form(client, SETTINGS, **{**VALID, "locale": "de", "dpo_email": "pas-une-adresse",
                                                   "controller_name": "SELARL " + "x" * 200})
    text = unescape(refused.text)
    assert refused.status_code == 422 and "Choisissez une langue de la liste." in text
    assert "Cette adresse e-mail n'est pas valide." in text and "200 caractères au plus." in text
    assert 'value="pas-une-adresse"' in text
    typed = {**VALID, "locale": "en", "controller_name": "SELARL Lilas Santé",
             "controller_address": "5 avenue Jean Jaurès, 75019 Paris", "dpo_name": "Maître Dupont",
             "dpo_email": "DPO@Lilas.example"}
    del typed["practitioner_invitations"]  # unticked
    assert (await post_form(client, SETTINGS, **typed)).status_code == 303
    lilas = await Practice.get(slug="cabinet-des-lilas")
    assert (lilas.locale, lilas.practitioner_invitations, lilas.dpo_email) == ("en", False, "dpo@lilas.example")
    assert await AuditEvent.filter(action="practice.settings").count() == 1
    notice = unescape((await client.get("/privacy")).text)
    assert "Responsable du traitement : SELARL Lilas Santé, 5 avenue Jean Jaurès, 75019 Paris" in notice
    assert "Délégué à la protection des données : Maître Dupont" in notice
    assert 'href="mailto:dpo@lilas.example"' in notice
    assert "Version du 2026-11-30" in notice  # the notice itself is unchanged


async def test_a_staff_invitation_in_english(client, now):
    await signed_in_as(client, now)
    page = unescape((await client.get("/admin/settings/staff")).text)
    assert '<option value="fr" lang="fr" selected>' in page  # the practice's language by default
    refused = await post_form(client, "/admin/settings/staff", "/admin/settings/staff/invite",
                              email="new@lilas.example", role="admin", locale="xx")
    assert refused.status_code == 422 and "Choisissez une langue de la liste." in unescape(refused.text)
    answer = await post_form(client, "/admin/settings/staff", "/admin/settings/staff/invite",
                             email="new@lilas.example", role="admin", locale="en")
    assert answer.status_code == 303
    assert (await StaffInvitation.get()).locale == "en"
    channels = {"email": MemoryChannel(), "sms": MemoryChannel()}
    while (await drain_once(client._transport.app.state.settings, channels, now=lambda: now)).claimed:
        pass
    (email,) = channels["email"].sent
    assert email.message["Subject"] == "Invitation to the Cabinet des Lilas practice space"
    assert email.message["Content-Language"] in (None, "en")
    text = next(part for part in email.message.walk() if part.get_content_type() == "text/plain")
    assert "To create your account and choose your password" in text.get_payload(decode=True).decode()


def test_postcodes_and_one_line_addresses():
    assert split_address("12 rue des Lilas, 75019 Paris") == ("12 rue des Lilas", "75019", "Paris")
    assert split_address("3 bd X 13001 Marseille Cedex 01") == ("3 bd X", "13001", "Marseille Cedex 01")
    assert split_address("Bâtiment B, route de Lyon") == ("Bâtiment B, route de Lyon", "", "")
    assert split_address("") == ("", "", "")
    assert [clean_postcode(v) for v in ("75 011", "20200", "97400", "2B033", "99999", "")] == [
        "75011", "20200", "97400", None, None, ""]
    assert city_key("  Saint-Étienne ") == city_key("saint etienne") == "saint etienne"
    assert city_key("L'Haÿ-les-Roses") == "l hay les roses"


LONG_TAIL = ("12 rue de la Paix 75002 Paris 2e étage porte gauche digicode 4521B puis interphone Cabinet Martin "
             "au fond de la cour à droite")


async def test_migration_0014_splits_existing_one_line_addresses(any_database):
    await Practice.create(slug="old", name="Old", address="7 place du Marché, 69002 Lyon")
    await Practice.create(slug="odd", name="Odd", address="Quelque part")
    # Directions typed after the town: too long for a city (100), kept whole rather than
    # stopping the upgrade (PostgreSQL refused the UPDATE, so 0014 rolled back).
    await Practice.create(slug="long", name="Long", address=LONG_TAIL)
    migration = importlib.import_module("portal.migrations.0014_profiles")
    await migration.split_addresses(None, SimpleNamespace(client=connections.get("default")))
    old, odd = await Practice.get(slug="old"), await Practice.get(slug="odd")
    assert (old.address, old.postcode, old.city, old.city_key) == ("7 place du Marché", "69002", "Lyon", "lyon")
    assert (odd.address, odd.postcode, odd.city) == ("Quelque part", "", "")
    long = await Practice.get(slug="long")
    assert (long.address, long.postcode, long.city) == (LONG_TAIL, "", "")
