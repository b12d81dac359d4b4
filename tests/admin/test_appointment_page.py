"""An appointment's page over HTTP: details, attendance, cancellation and move as the practice,
CSRF, field errors that write nothing, and the scope of each role."""

from __future__ import annotations

from portal.models import Appointment, AuditEvent, OutboxMessage
from tests.access.helpers import totp_code
from tests.admin.conftest import csrf_of, sign_in, signed_in_as
from tests.builders import book, paris, patient

ADMIN = "admin@cabinet-des-lilas.example"


async def _booked(clock, **overrides) -> int:
    return (await book(paris(2026, 12, 2, 10), clock.now, patient=patient(last_name="Lefebvre"), **overrides)).appointment_id


async def _post(client, appointment_id: int, action: str, **fields):
    page = await client.get(f"/admin/appointments/{appointment_id}")
    return await client.post(f"/admin/appointments/{appointment_id}/{action}",
                             data={"csrf_token": csrf_of(page.text), **fields})


async def test_the_page_shows_the_details_and_is_audited(client, clock):
    appointment_id = await _booked(clock, comment="Douleur au dos")
    await signed_in_as(client, clock.now)
    page = await client.get(f"/admin/appointments/{appointment_id}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    for shown in ("Lefebvre", "Douleur au dos", "En ligne", "Non renseigné", "Politique de confidentialité",
                  "Confirmation", "Hors règles"):
        assert shown in page.text, shown
    assert await AuditEvent.filter(action="appointment.view", object_id=appointment_id).count() == 1
    assert 'name="date" value="2026-12-02"' in page.text and 'name="time" value="10:00"' in page.text


async def test_attendance_is_recorded_once_started(client, clock):
    appointment_id = await _booked(clock)
    await signed_in_as(client, clock.now)
    too_early = await _post(client, appointment_id, "attendance", status="came")
    assert too_early.status_code == 409 and "pas encore commencé" in too_early.text
    clock.now = paris(2026, 12, 2, 10, 5)
    await sign_in(client, ADMIN, code=totp_code(clock.now))  # the earlier session has expired since
    answer = await _post(client, appointment_id, "attendance", status="came")
    assert answer.status_code == 303 and answer.headers["location"].startswith(f"/admin/appointments/{appointment_id}?done=attendance")
    assert (await Appointment.get(id=appointment_id)).status == "came"
    assert "Présence enregistrée." in (await client.get(answer.headers["location"])).text


async def test_a_bad_status_is_refused_with_its_message_and_nothing_written(client, clock):
    appointment_id = await _booked(clock)
    await signed_in_as(client, clock.now)
    for wrong in ("cancelled_by_practitioner", "nonsense", ""):
        answer = await _post(client, appointment_id, "attendance", status=wrong)
        assert answer.status_code == 422 and "Choisissez un statut de la liste." in answer.text
    assert (await Appointment.get(id=appointment_id)).status == "not_filled"


async def test_the_practice_cancels_and_the_patient_is_told(client, clock):
    appointment_id = await _booked(clock)
    await signed_in_as(client, clock.now)
    answer = await _post(client, appointment_id, "cancel", by="practice", reason="Praticien malade",
                         confirmed="yes")
    assert answer.status_code == 303
    appointment = await Appointment.get(id=appointment_id)
    assert appointment.status == "cancelled_by_practitioner" and appointment.cancel_reason == "Praticien malade"
    assert await OutboxMessage.filter(appointment_id=appointment_id, kind="cancelled", audience="patient").exists()
    page = await client.get(answer.headers["location"])
    assert "le patient est prévenu" in page.text and "Annulé par le praticien" in page.text
    assert "/cancel" not in page.text  # no form on a cancelled appointment
    again = await client.post(f"/admin/appointments/{appointment_id}/cancel",
                              data={"csrf_token": csrf_of(page.text), "by": "practice", "confirmed": "yes"})
    assert again.status_code == 409


async def test_a_cancellation_is_confirmed_before_the_patient_is_told(client, clock):
    """One press of the red button on a phone must not cancel: the practice is asked first, with
    what will happen, and may keep the appointment; nothing is written until it confirms."""
    appointment_id = await _booked(clock)
    await signed_in_as(client, clock.now)
    for by in ("practice", "patient"):
        asked = await _post(client, appointment_id, "cancel", by=by, reason="Praticien malade")
        assert asked.status_code == 200
        text = asked.text.replace("&nbsp;", "\u00a0")
        assert "Annuler ce rendez-vous ?" in text and "Lefebvre" in text and "mercredi 2 décembre 2026" in text
        assert 'name="confirmed" value="yes"' in text and 'value="Praticien malade"' in text
        assert f'href="/admin/appointments/{appointment_id}"' in text  # keep it: back to the appointment
    appointment = await Appointment.get(id=appointment_id)
    assert appointment.status == "not_filled" and appointment.version == 1
    assert not await OutboxMessage.filter(appointment_id=appointment_id, kind="cancelled").exists()
    done = await _post(client, appointment_id, "cancel", by="practice", reason="Praticien malade", confirmed="yes")
    assert done.status_code == 303
    assert (await Appointment.get(id=appointment_id)).status == "cancelled_by_practitioner"


async def test_a_patient_who_calls_to_cancel(client, clock):
    appointment_id = await _booked(clock)
    await signed_in_as(client, clock.now)
    assert (await _post(client, appointment_id, "cancel", by="patient", confirmed="yes")).status_code == 303
    assert (await Appointment.get(id=appointment_id)).status == "cancelled_by_patient"


async def test_a_reason_too_long_is_refused(client, clock):
    appointment_id = await _booked(clock)
    await signed_in_as(client, clock.now)
    answer = await _post(client, appointment_id, "cancel", by="practice", reason="x" * 501, confirmed="yes")
    assert answer.status_code == 422 and "limité à 500 caractères" in answer.text
    assert (await Appointment.get(id=appointment_id)).status == "not_filled"


async def test_the_practice_moves_within_the_rules_or_outside_them(client, clock):
    appointment_id = await _booked(clock)
    await signed_in_as(client, clock.now)
    moved = await _post(client, appointment_id, "move", date="2026-12-03", time="11:00")
    assert moved.status_code == 303
    assert (await Appointment.get(id=appointment_id)).starts_at == paris(2026, 12, 3, 11)
    assert await OutboxMessage.filter(appointment_id=appointment_id, kind="moved", audience="patient").exists()
    off_grid = await _post(client, appointment_id, "move", date="2026-12-03", time="11:07")
    assert off_grid.status_code == 422 and "pas proposé à la réservation" in off_grid.text
    assert (await Appointment.get(id=appointment_id)).starts_at == paris(2026, 12, 3, 11)
    urgent = await _post(client, appointment_id, "move", date="2026-12-03", time="11:07", outside_rules="yes")
    assert urgent.status_code == 303
    assert (await Appointment.get(id=appointment_id)).starts_at == paris(2026, 12, 3, 11, 7)


async def test_a_move_onto_a_taken_slot_or_without_a_date_is_refused(client, clock):
    appointment_id = await _booked(clock)
    await book(paris(2026, 12, 3, 11), clock.now, patient=patient(email="autre@example.org"))
    await signed_in_as(client, clock.now)
    taken = await _post(client, appointment_id, "move", date="2026-12-03", time="11:00")
    assert taken.status_code == 409 and "Créneaux libres les plus proches" in taken.text
    empty = await _post(client, appointment_id, "move", date="", time="")
    assert empty.status_code == 422 and "Indiquez la date et l&#39;heure" in empty.text
    assert (await Appointment.get(id=appointment_id)).starts_at == paris(2026, 12, 2, 10)


async def test_forms_without_a_valid_csrf_token_write_nothing(client, clock):
    appointment_id = await _booked(clock)
    await signed_in_as(client, clock.now)
    for action, fields in (("cancel", {"by": "practice", "confirmed": "yes"}), ("attendance", {"status": "to_confirm"}),
                           ("move", {"date": "2026-12-03", "time": "11:00"})):
        answer = await client.post(f"/admin/appointments/{appointment_id}/{action}",
                                   data={"csrf_token": "forged", **fields})
        assert answer.status_code == 403
    appointment = await Appointment.get(id=appointment_id)
    assert appointment.status == "not_filled" and appointment.version == 1


async def test_outside_the_scope_or_not_an_id_is_not_found(client, clock):
    hugo = (await book(paris(2026, 12, 1, 15), clock.now, practitioner="hugo-bernard", service="consultation")).appointment_id
    await signed_in_as(client, clock.now, "camille@cabinet-des-lilas.example", "practitioner",
                       practitioner="camille-martin")
    for path in (f"/admin/appointments/{hugo}", "/admin/appointments/abc", "/admin/appointments/99999999",
                 "/admin/appointments/１２"):
        assert (await client.get(path)).status_code == 404, path
    assert not await AuditEvent.filter(action="appointment.view").exists()
