"""The message settings page (issue 14 items 4 and 5) over HTTP, signed in: the SMS detail level,
audited, refused with a message when unknown; the per-service naming switch on the service form;
the previews of every patient message, which follow both settings, in French and English, with
nothing written and nothing sent; and nobody but the administrator."""

from __future__ import annotations

import re
from html import unescape

from notifier import gsm
from portal.audit.models import AuditEvent
from portal.models import OutboxMessage, Practice, Practitioner, Service
from tests.admin.conftest import post_form, signed_in_as
from tests.two_practices.conftest import BELLEVILLE, load_second_practice

PAGE = "/admin/settings/messages"


def sms_previews(html: str) -> list[tuple[str, str]]:
    """(SMS text, its count line) of each SMS preview on the page."""
    found = re.findall(r'aria-label="Texte du SMS[^"]*">(.*?)</pre>\s*<p class="preview-count">(.*?)</p>', html, re.S)
    return [(unescape(text), unescape(count)) for text, count in found]


async def test_the_page_previews_every_patient_message_without_writing_or_sending(client, now):
    await signed_in_as(client, now)
    page = await client.get(PAGE)
    assert page.status_code == 200
    text = unescape(page.text)
    assert "Camille Exemple" in text and "lundi 7 décembre 2026 à 10 h 30" in text  # a week ahead, 10:30
    for title in ("Confirmation du rendez-vous", "Rappel", "Rendez-vous déplacé", "Annulation par le patient",
                  "Annulation par le cabinet"):
        assert f">{title}</h3>" in text, title
    assert re.search(r"Objet :</strong> <span lang=\"fr\">Rendez-vous confirmé : lundi 7 décembre 2026 à 10\s*h\s*30", text)
    assert "E-mail : 72 h avant. SMS : 48 h avant." in text  # the practice's reminder offsets
    previews = sms_previews(page.text)
    assert len(previews) == 5
    for sms, count in previews:
        real = gsm.count(sms)
        assert count == f"{real.characters} caractères, GSM-7, 1 segment(s)" and real.characters == len(sms)
        # The default: no practitioner, no profession, no service (the demo's services do not allow it).
        assert "Martin" not in sms and "Consultation" not in sms and "Cabinet des Lilas" in sms
    assert await OutboxMessage.all().count() == 0


async def test_the_sms_level_is_saved_audited_and_changes_the_preview(client, now):
    await signed_in_as(client, now)
    assert (await Practice.get(slug="cabinet-des-lilas")).sms_detail == "minimal"
    answer = await post_form(client, PAGE, sms_detail="standard")
    assert answer.status_code == 303 and answer.headers["location"] == PAGE + "?done=saved"
    practice = await Practice.get(slug="cabinet-des-lilas")
    assert practice.sms_detail == "standard"
    event = await AuditEvent.get(action="practice.sms_detail")
    assert event.object_id == practice.id and event.detail == {"level": "standard"}
    shown = await client.get(PAGE + "?done=saved")
    assert "Réglages enregistrés." in shown.text and 'value="standard" aria-describedby="sms_detail-standard-hint" checked' in shown.text
    assert all("Camille Martin" in sms or "camille-martin" in sms for sms, _ in sms_previews(shown.text))


async def test_an_unknown_level_is_refused_with_a_message_and_nothing_changes(client, now):
    await signed_in_as(client, now)
    answer = await post_form(client, PAGE, sms_detail="everything")
    assert answer.status_code == 422
    text = unescape(answer.text)
    assert "Choisissez un niveau de détail de la liste." in text and 'aria-describedby="sms_detail-error"' in text
    assert (await Practice.get(slug="cabinet-des-lilas")).sms_detail == "minimal"
    assert not await AuditEvent.filter(action="practice.sms_detail").exists()


async def test_the_service_switch_is_on_the_service_form_and_names_the_service_in_the_preview(client, now):
    await signed_in_as(client, now)
    service = await Service.get(slug="consultation-adulte")
    path = f"/admin/settings/practitioners/{service.practitioner_id}/services/{service.id}"
    form = unescape((await client.get(path)).text)
    assert "Les messages peuvent nommer cette prestation" in form
    assert 'id="messages_name_service" name="messages_name_service" type="checkbox" value="1" aria-describedby' in form
    answer = await post_form(client, path, name="Consultation adulte", name_en="Adult consultation",
                             duration_minutes="45", buffer_before_minutes="0", buffer_after_minutes="0",
                             min_notice_minutes="120", horizon_days="60", bookable_online="1",
                             messages_name_service="1")
    assert answer.status_code == 303
    assert (await Service.get(id=service.id)).messages_name_service
    assert await AuditEvent.filter(action="service.update", object_id=service.id).exists()
    page = await client.get(f"{PAGE}?service={service.id}")
    assert all("Consultation adulte" in sms for sms, _ in sms_previews(page.text))
    english = await client.get(f"{PAGE}?service={service.id}&patient_lang=en")
    assert "Appointment confirmed" in unescape(english.text) or "appointment confirmed" in unescape(english.text)
    assert all("Adult consultation" in sms for sms, _ in sms_previews(english.text))
    # Another service of the practice, which does not allow it, is not named.
    other = await Service.get(slug="test-audition")
    page = await client.get(f"{PAGE}?service={other.id}")
    assert all("audition" not in sms for sms, _ in sms_previews(page.text)) and len(sms_previews(page.text)) == 5


async def test_a_service_of_another_practice_or_archived_is_not_found(client, now):
    await signed_in_as(client, now)
    await load_second_practice()
    theirs = await Service.filter(practitioner__practice__slug=BELLEVILLE).first()
    assert theirs is not None
    assert (await client.get(f"{PAGE}?service={theirs.id}")).status_code == 404
    ours = await Service.get(slug="test-audition")
    await Service.filter(id=ours.id).update(archived_at=now)
    assert (await client.get(f"{PAGE}?service={ours.id}")).status_code == 404
    assert (await client.get(f"{PAGE}?service=abc")).status_code == 404


async def test_without_any_service_the_page_says_so(client, now):
    await signed_in_as(client, now)
    await Practitioner.filter(practice__slug="cabinet-des-lilas").update(archived_at=now)
    page = await client.get(PAGE)
    assert page.status_code == 200 and "Aucune prestation" in unescape(page.text)


async def test_the_page_in_english_keeps_the_patients_language_apart(client, now):
    await signed_in_as(client, now)
    page = unescape((await client.get(PAGE + "?lang=en")).text)  # the back-office in English
    assert "Messages to patients" in page and "Minimal: the date, the time, the practice and the link" in page
    assert "Rendez-vous confirmé" in page  # the patient's language is French until chosen
    assert re.search(r"\d+ characters, GSM-7, 1 segment\(s\)", page)
