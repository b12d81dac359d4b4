"""What patient messages say (issue 14 items 4 and 5), through the real worker: a service is named
only when it allows it, the SMS names the practitioner only at the "standard" level, and the
back-office preview is the very message the worker sends for the same appointment."""

from __future__ import annotations

from email import message_from_bytes, policy as email_policy
from email.header import decode_header, make_header

import pytest

from notifier import gsm
from notifier.context import PATIENT_FIELDS
from notifier.outgoing import Identity
from notifier.preview import Sample, render_previews
from notifier.worker import drain_once
from portal.booking.manage import cancel_appointment, reschedule_appointment
from portal.models import Appointment, Patient, Practice, Practitioner, Service
from tests.builders import book, load_demo, paris, patient, patient_ctx

PATIENT_EMAIL = "elise.durand@example.org"
NAMES = ("Consultation adulte", "Adult consultation")


def everything(outgoing) -> str:
    """An e-mail as its recipient's software sees it: subject and every part decoded, the
    invitation's folded lines unfolded."""
    parsed = message_from_bytes(outgoing.message.as_bytes(), policy=email_policy.default)
    texts = [str(parsed["Subject"])]
    for part in parsed.walk():
        if part.is_multipart():
            continue
        content = part.get_content()
        texts.append(content.decode() if isinstance(content, bytes) else content)
    return "\n".join(texts).replace("\r\n ", "").replace("\n ", "")


def body(outgoing) -> str:
    parsed = message_from_bytes(outgoing.message.as_bytes(), policy=email_policy.default)
    return parsed.get_body(preferencelist=("plain",)).get_content()


async def every_patient_message(settings, channels, clock, now, locale: str):
    """Confirmation, move, both reminders and the cancellation of one appointment: (kind, e-mail)
    and (kind, SMS) pairs as the worker sent them to the patient, and the practitioner's notices."""
    result = await book(paris(2026, 12, 8, 11), now, locale=locale)
    sent_email, sent_sms = [], []

    async def drain(kind: str):
        await drain_once(settings, channels, now=clock)
        sent_email.extend((kind, m) for m in channels["email"].sent)
        sent_sms.extend((kind, m) for m in channels["sms"].sent)
        channels["email"].sent.clear(), channels["sms"].sent.clear()

    await drain("confirmation")
    await reschedule_appointment(patient_ctx(clock()), result.manage_token, paris(2026, 12, 9, 11).isoformat())
    await drain("moved")
    clock.set(paris(2026, 12, 7, 11))  # both reminders are due (e-mail 72 h, SMS 48 h before)
    await drain("reminder")
    await cancel_appointment(patient_ctx(clock()), result.manage_token)
    await drain("cancelled")
    to_patient = [(kind, m) for kind, m in sent_email if m.recipients == (PATIENT_EMAIL,)]
    notices = [m for _, m in sent_email if m.recipients != (PATIENT_EMAIL,)]
    return to_patient, sent_sms, notices


@pytest.mark.parametrize("locale", ["fr", "en"])
async def test_a_service_not_allowed_is_never_named_to_the_patient(any_database, settings, channels, clock, now,
                                                                   locale):
    await load_demo()
    emails, sms, notices = await every_patient_message(settings, channels, clock, now, locale)
    assert sorted({kind for kind, _ in emails}) == sorted({kind for kind, _ in sms}) == [
        "cancelled", "confirmation", "moved", "reminder"]
    for kind, message in emails:
        assert not any(name in everything(message) for name in NAMES), kind
    for kind, message in sms:
        assert not any(name in message.text for name in NAMES), kind
        # The default "minimal" level: no practitioner, no profession, in one GSM-7 segment.
        assert "martin" not in message.text.lower() and "steopath" not in message.text, message.text
        assert gsm.fits_one_segment(message.text)
    # The practitioner's own notices still say what was booked.
    assert notices and all("Consultation adulte" in body(notice) for notice in notices)


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("level", ["minimal", "standard"])
async def test_an_allowed_service_is_named_and_the_standard_level_names_the_practitioner(
        any_database, settings, channels, clock, now, locale, level):
    await load_demo()
    await Service.filter(slug="consultation-adulte").update(messages_name_service=True)
    await Practice.filter(slug="cabinet-des-lilas").update(sms_detail=level)
    emails, sms, _ = await every_patient_message(settings, channels, clock, now, locale)
    name = NAMES[locale == "en"]
    for kind, message in emails:
        if kind != "cancelled":  # a cancellation e-mail says when and with whom, not what
            assert name in body(message), kind
    assert len(sms) == 4
    for _, message in sms:
        assert gsm.fits_one_segment(message.text)
        # Who: by name, or in the booking page's address (the short cancellation wording).
        assert ("camille" in message.text.lower()) == (level == "standard"), message.text
        if level == "minimal":
            assert name in message.text, message.text
        else:  # named unless the full wording did not fit one segment and gave way to the short one
            assert name in message.text or not message.text.startswith("Cabinet des Lilas"), message.text


async def test_the_preview_is_what_the_worker_sends_for_the_same_appointment(any_database, settings, channels,
                                                                             clock, now):
    await load_demo()
    await Service.filter(slug="consultation-adulte").update(messages_name_service=True)
    result = await book(paris(2026, 12, 8, 11), now, patient=patient(
        first_name="Camille", last_name="Exemple", email="camille.exemple@example.org"))
    appointment = await Appointment.get(id=result.appointment_id)
    practice = await Practice.get(slug="cabinet-des-lilas")
    practitioner = await Practitioner.get(id=appointment.practitioner_id)
    service = await Service.get(id=appointment.service_id)
    patient_row = (await Patient.filter(id=appointment.patient_id).values(*PATIENT_FIELDS))[0]
    # The preview's sample, but this appointment's: its id, its link's token, its patient.
    sample = Sample(appointment.starts_at, appointment.id, result.manage_token, patient_row)
    identity = Identity.from_settings(settings)

    for section in ("confirmation", "reminder", "cancelled"):
        if section == "reminder":
            clock.set(paris(2026, 12, 6, 11))  # both reminders due (e-mail 72 h, SMS 48 h before)
        if section == "cancelled":
            await cancel_appointment(patient_ctx(clock()), result.manage_token)
        await drain_once(settings, channels, now=clock)
        email = next(m for m in channels["email"].sent if m.recipients == ("camille.exemple@example.org",))
        [sms] = channels["sms"].sent
        channels["email"].sent.clear(), channels["sms"].sent.clear()
        parsed = message_from_bytes(email.message.as_bytes(), policy=email_policy.default)
        shown = next(s for s in render_previews(practice, practitioner, service, "fr", identity, clock(), sample)
                     if s.name == section)
        assert shown.email.subject == str(make_header(decode_header(email.message["Subject"]))), section
        assert shown.email.subject.startswith({"confirmation": "Rendez-vous confirmé : mardi 8 décembre 2026",
                                               "reminder": "Rappel : rendez-vous mardi 8 décembre 2026",
                                               "cancelled": "Rendez-vous annulé : mardi 8 décembre 2026"}[section])
        assert shown.email.text == parsed.get_body(preferencelist=("plain",)).get_content(), section
        assert shown.sms.text == sms.text, section
        assert shown.sms.count == gsm.count(sms.text) and shown.sms.count.encoding == "GSM-7"
        assert "Consultation adulte" in sms.text and "Camille Martin" not in sms.text


def test_sms_counts_a_plain_and_an_accented_message():
    plain = gsm.count("Cabinet des Lilas : RDV lun. 7 déc. à 10h30.")  # é and à are in GSM-7
    assert (plain.encoding, plain.characters, plain.units, plain.segments) == ("GSM-7", 44, 44, 1)
    accented = gsm.count("Rappel : votre séance de kinésithérapie, êtes-vous prêt ?")  # ê is not
    assert (accented.encoding, accented.units, accented.segments) == ("UCS-2", 57, 1)
    assert gsm.count("a" * 160).segments == 1 and gsm.count("a" * 161).segments == 2  # 153 a part
    assert gsm.count("a" * 306).segments == 2 and gsm.count("a" * 307).segments == 3
    assert gsm.count("€" * 80) == gsm.Count(80, "GSM-7", 160, 1)  # an extension character is two septets
    assert gsm.count("ê" * 70).segments == 1 and gsm.count("ê" * 71).segments == 2  # 67 a part
    assert gsm.count("ê" * 134).segments == 2 and gsm.count("ê" * 135).segments == 3
    assert gsm.count("😀" * 35) == gsm.Count(35, "UCS-2", 70, 1)  # outside the BMP: two UTF-16 units
