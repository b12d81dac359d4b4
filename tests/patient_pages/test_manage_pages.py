"""Managing a booking with its link: see, cancel, move, reminders, calendar file, cut-off."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from icalendar import Calendar

from portal.models import Appointment, ConsentRecord, Service
from tests.builders import book, consents, paris
from tests.patient_pages.conftest import csrf_token, slot_links

TUESDAY_14 = paris(2026, 12, 1, 14)  # beyond the 24-hour cut-off of the fixed now


async def booked(now, start=TUESDAY_14, **overrides):
    result = await book(start, now, comment="<b>genou</b>", **overrides)
    return f"/b/{result.manage_token}", result


async def test_manage_page_shows_the_booking_escaped_and_leaks_no_token(client, frozen):
    url, _ = await booked(frozen)
    page = await client.get(url)
    assert page.status_code == 200
    assert "mardi 1 décembre 2026 à 14\u00a0h\u00a000" in page.text and "Camille Martin" in page.text
    assert "&lt;b&gt;genou&lt;/b&gt;" in page.text
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
    for path in (url + "/cancel", url + "/move", url + "/calendar.ics", "/b/unknown-token"):
        assert (await client.get(path)).headers["referrer-policy"] == "no-referrer", path


async def test_cancel_asks_for_confirmation_then_cancels(client, frozen):
    url, result = await booked(frozen)
    confirm = await client.get(url + "/cancel")
    assert "Oui, annuler le rendez-vous" in confirm.text
    done = await client.post(url + "/cancel", data={"csrf_token": csrf_token(confirm.text)})
    assert done.status_code == 303 and done.headers["location"] == url + "?done=cancelled"
    page = await client.get(done.headers["location"])
    assert "Votre rendez-vous est annulé" in page.text and "Déplacer le rendez-vous" not in page.text
    assert (await Appointment.get(id=result.appointment_id)).status == "cancelled_by_patient"


async def test_the_cancel_link_of_a_cancelled_booking_says_it_is_cancelled(client, frozen):
    """Following the e-mail's link to "cancel" again, the patient read that the appointment
    "can no longer be cancelled online: call the practice", as if it still stood."""
    url, _ = await booked(frozen)
    confirm = await client.get(url + "/cancel")
    await client.post(url + "/cancel", data={"csrf_token": csrf_token(confirm.text)})
    again = await client.get(url + "/cancel")
    assert "Ce rendez-vous est déjà annulé." in again.text
    assert "ne peut plus être annulé" not in again.text and "Appelez le cabinet" not in again.text
    english = await client.get(url + "/cancel", headers={"accept-language": "en"})
    assert "This appointment is already cancelled." in english.text


async def test_cancel_without_csrf_is_refused(client, frozen):
    url, result = await booked(frozen)
    refused = await client.post(url + "/cancel", data={})
    assert refused.status_code == 403 and f'href="{url}"' in refused.text
    assert (await Appointment.get(id=result.appointment_id)).status == "not_filled"


async def test_move_to_another_free_slot(client, frozen):
    url, result = await booked(frozen)
    week = await client.get(url + "/move")
    target = next(link for link in slot_links(week.text) if quote("2026-12-02T10:00") in link)
    confirm = await client.get(target)
    assert "mercredi 2 décembre 2026 à 10\u00a0h\u00a000" in confirm.text
    moved = await client.post(url + "/move", data={"csrf_token": csrf_token(confirm.text),
                                                    "start": "2026-12-02T10:00:00+01:00"})
    assert moved.status_code == 303 and moved.headers["location"] == url + "?done=moved"
    appointment = await Appointment.get(id=result.appointment_id)
    assert appointment.starts_at == paris(2026, 12, 2, 10) and appointment.version == 2


async def test_moving_onto_a_taken_slot_shows_the_nearest(client, frozen):
    url, _ = await booked(frozen)
    await book(paris(2026, 12, 2, 10), frozen, patient={**_other_patient()})
    confirm = await client.get(url + "/move?start=" + quote("2026-12-02T10:00:00+01:00"))
    refused = await client.post(url + "/move", data={"csrf_token": csrf_token(confirm.text),
                                                      "start": "2026-12-02T10:00:00+01:00"})
    assert refused.status_code == 409 and "vient d&#39;être réservé" in refused.text
    assert "mercredi 2 décembre 2026 à 11\u00a0h\u00a000" in refused.text


def _other_patient() -> dict:
    from tests.builders import patient

    return patient(email="autre@example.org", first_name="Paul")


async def test_reminder_withdrawal_is_a_ledger_row(client, frozen):
    url, result = await booked(frozen, consents=consents(email_reminders=True, sms_reminders=True))
    page = await client.get(url)
    changed = await client.post(url + "/reminders", data={"csrf_token": csrf_token(page.text), "email_reminders": "1"})
    assert changed.status_code == 303
    appointment = await Appointment.get(id=result.appointment_id)
    assert appointment.email_reminder and not appointment.sms_reminder
    withdrawal = await ConsentRecord.get(appointment_id=appointment.id, purpose="sms_reminders", granted=False)
    assert withdrawal.channel == "web"
    assert "Vos choix de rappels sont enregistrés." in (await client.get(changed.headers["location"])).text


async def test_past_the_cutoff_the_page_says_to_call_the_practice(client, frozen):
    soon = paris(2026, 11, 30, 17)  # today, within 24 hours
    url, result = await booked(frozen, start=soon)
    page = await client.get(url)
    assert "ne peut plus être modifié ni annulé en ligne moins de 24 heures avant" in page.text
    assert 'href="tel:+33142000000"' in page.text and "/cancel" not in page.text
    refused = await client.post(url + "/cancel", data={"csrf_token": csrf_token(page.text)})
    assert refused.status_code == 409 and "moins de 24 heures avant." in refused.text
    assert 'href="tel:+33142000000"' in refused.text
    assert (await client.get(url + "/move")).status_code == 409
    assert (await Appointment.get(id=result.appointment_id)).status == "not_filled"


async def test_moving_a_cancelled_or_too_close_appointment_says_why(client, frozen):
    """The move page, its confirmation and its form of an appointment that can no longer move
    answer 409 with the manage page and the reason, as cancelling does."""
    url, _ = await booked(frozen)
    confirm = await client.get(url + "/cancel")
    await client.post(url + "/cancel", data={"csrf_token": csrf_token(confirm.text)})
    start = quote(paris(2026, 12, 2, 10).isoformat())
    for answer in (await client.get(url + "/move"), await client.get(url + f"/move?start={start}"),
                   await client.post(url + "/move", data={"csrf_token": csrf_token(confirm.text),
                                                          "start": paris(2026, 12, 2, 10).isoformat()})):
        assert answer.status_code == 409
        assert 'role="alert">Ce rendez-vous est déjà annulé.</p>' in answer.text, answer.request.url
    english = await client.get(url + "/move?lang=en")
    assert 'role="alert">This appointment is already cancelled.</p>' in english.text
    close, _ = await booked(frozen, start=paris(2026, 11, 30, 15))  # today: inside the 24-hour cut-off
    answer = await client.get(close + "/move?lang=fr")
    assert answer.status_code == 409 and "ne peut plus être modifié en ligne moins de 24 heures avant." in answer.text


async def test_calendar_file_is_rfc5545_with_a_time_zone_and_a_stable_uid(client, frozen):
    url, result = await booked(frozen)
    answer = await client.get(url + "/calendar.ics")
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(answer.content)
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == f"appointment-{result.appointment_id}@127.0.0.1"
    assert event["SEQUENCE"] == 1 and "DTSTAMP" in event
    assert event.decoded("DTSTART") == TUESDAY_14 and str(event["DTSTART"].params["TZID"]) == "Europe/Paris"
    assert calendar.walk("VTIMEZONE") and event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
    assert "genou" not in answer.text  # the comment (health detail) stays out of the file


async def test_the_calendar_file_names_the_service_only_when_messages_may(client, frozen):
    """The file lands in the patient's calendar (often shared or on a lock screen) as the same
    event as the e-mail's invitation (one UID): it says what the invitation says."""
    url, result = await booked(frozen)
    event = Calendar.from_ical((await client.get(url + "/calendar.ics")).content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Rendez-vous avec Camille Martin"
    service_id = (await Appointment.get(id=result.appointment_id)).service_id
    await Service.filter(id=service_id).update(messages_name_service=True)
    event = Calendar.from_ical((await client.get(url + "/calendar.ics")).content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Rendez-vous avec Camille Martin – Consultation adulte"


async def test_the_calendar_file_of_a_cancelled_appointment_does_not_offer_to_cancel_it(client, frozen):
    url, _ = await booked(frozen)
    confirm = await client.get(url + "/cancel")
    await client.post(url + "/cancel", data={"csrf_token": csrf_token(confirm.text)})
    event = Calendar.from_ical((await client.get(url + "/calendar.ics")).content).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["DESCRIPTION"]) == "Ce rendez-vous est annulé."


async def test_manage_page_in_english(client, frozen):
    url, _ = await booked(frozen)
    page = await client.get(url + "?lang=en")
    assert "Tuesday 1 December 2026 at 2:00\u00a0PM" in page.text and "Adult consultation" in page.text
    assert "Move the appointment" in page.text and "Osteopath" in page.text


async def test_a_held_booking_page_asks_for_the_code_then_confirms(client, frozen):
    from portal.booking.confirm import code_of
    from portal.models import AppointmentStatus, Practice
    from tests.builders import SECRET_KEY

    await Practice.all().update(confirm_online_bookings=True)
    url, result = await booked(frozen)
    page = await client.get(url + "?new=1")
    assert page.status_code == 200 and "Confirmez votre rendez-vous" in page.text
    assert 'autocomplete="one-time-code"' in page.text and 'inputmode="numeric"' in page.text
    code = code_of((await Appointment.get(id=result.appointment_id)).confirm_code_sealed, SECRET_KEY)
    from_link = await client.get(f"{url}/confirm?code={code}")  # the e-mail's link: a form, not a confirmation
    assert f'value="{code}"' in from_link.text
    assert (await Appointment.get(id=result.appointment_id)).status == AppointmentStatus.HELD
    wrong = await client.post(url + "/confirm", data={"csrf_token": csrf_token(from_link.text), "code": "000000x"})
    assert wrong.status_code == 422 and "Ce code ne correspond pas" in wrong.text and 'aria-invalid="true"' in wrong.text
    done = await client.post(url + "/confirm", data={"csrf_token": csrf_token(from_link.text), "code": code})
    assert done.status_code == 303 and done.headers["location"] == url + "?new=1"
    assert (await Appointment.get(id=result.appointment_id)).status == AppointmentStatus.NOT_FILLED
    manage = await client.get(url)
    assert "Confirmez votre rendez-vous" not in manage.text and manage.status_code == 200
