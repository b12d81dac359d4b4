"""The appointments inside new time off, over HTTP (issue 14 item 3): after the absence is saved,
a page lists each appointment inside it; the practice keeps, moves (to a free slot of that
practitioner) or cancels each one and submits once. Keep: nothing changes and nothing is sent;
move and cancel: the practice's own change, the patient told through the outbox. All or nothing:
a refused row writes nothing and gives every choice back as typed. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape

import pytest

import portal.booking.time_off_choices as choices_module
from creneau.app import create_app
from portal.models import Appointment, AuditEvent, AvailabilityException, OutboxMessage, Practitioner
from tests.admin.conftest import csrf_of, http_client, signed_in_as
from tests.builders import book, load_demo, paris, patient
from tests.patient_pages.conftest import make_settings
from tests.two_practices.conftest import LEA, load_second_practice

DECIDED = ("appointment.time_off.keep", "appointment.move", "appointment.cancel")


@pytest.fixture
async def both_client(any_database, tmp_path, clock):
    await load_demo()
    app = create_app(make_settings(any_database, tmp_path), manage_db=False, run_background=False)
    async with http_client(app) as http:
        yield http


async def three_inside(now) -> list[int]:
    """Camille's Tuesday, Wednesday and Thursday of the week of 7 December, each a patient of its own."""
    ids = []
    for day, name in ((8, "Durand"), (9, "Petit"), (10, "Roux")):
        booked = await book(paris(2026, 12, day, 10), now, practitioner="camille-martin", service="consultation-adulte",
                            patient=patient(last_name=name, email=f"{name.lower()}@example.org"))
        ids.append(booked.appointment_id)
    return ids


async def add_week_off(client) -> tuple[str, str]:
    """Through the hours page: the redirect to the page of appointments inside, and that page."""
    camille = await Practitioner.get(slug="camille-martin")
    hours = await client.get(f"/admin/settings/practitioners/{camille.id}/hours")
    added = await client.post(f"/admin/settings/practitioners/{camille.id}/time-off", data={
        "csrf_token": csrf_of(hours.text), "kind": "closed", "start_date": "2026-12-07", "end_date": "2026-12-13",
        "label": "Congés"})
    assert added.status_code == 303, added.text[:500]
    exception = await AvailabilityException.get(label="Congés")
    assert added.headers["location"] == f"/admin/settings/practitioners/{camille.id}/time-off/{exception.id}"
    page = await client.get(added.headers["location"])
    assert page.status_code == 200
    return added.headers["location"], unescape(page.text)


def slot_options(html: str, appointment_id: int) -> list[str]:
    select = re.search(rf'<select id="slot_{appointment_id}".*?</select>', html, re.S).group(0)
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


def form_of(html: str, choices: dict[int, tuple[str, str, str]]) -> dict:
    """The page's hidden fields and, per appointment, (choice, slot, reason)."""
    data: dict = {"csrf_token": csrf_of(html), "appointment": [str(key) for key in choices]}
    for key, (choice, slot, reason) in choices.items():
        version = re.search(rf'name="version_{key}" value="(\d+)"', html).group(1)
        data |= {f"choice_{key}": choice, f"slot_{key}": slot, f"reason_{key}": reason, f"version_{key}": version}
    return data


async def new_messages(appointment_id: int, after: set[int]) -> set[tuple[str, str]]:
    rows = await OutboxMessage.filter(appointment_id=appointment_id).values("id", "kind", "audience")
    return {(row["kind"], row["audience"]) for row in rows if row["id"] not in after}


async def test_keep_move_and_cancel_in_one_submission(both_client, clock):
    client = both_client
    keep, move, cancel = await three_inside(clock.now)
    await signed_in_as(client, clock.now)
    path, page = await add_week_off(client)
    legends = re.findall(r"<legend>(.*?)</legend>", page)  # one fieldset each, its legend naming the appointment
    assert page.count("<fieldset") == 3 and [legend.split(" – ")[1].split(" ")[0] for legend in legends] == [
        "Durand", "Petit", "Roux"]
    assert legends[0].startswith("mardi 8 décembre 2026 à 10\xa0h\xa000 – Durand")
    offered = slot_options(page, move)
    # Free slots of Camille's only: none inside the week off, the nearest after it first.
    assert offered and all(not ("2026-12-07" <= value[:10] <= "2026-12-13") for value in offered)
    target = next(value for value in offered if value[:10] == "2026-12-14")
    before = set(await OutboxMessage.all().values_list("id", flat=True))
    versions = {a.id: a.version for a in await Appointment.filter(id__in=[keep, move, cancel])}

    answer = await client.post(path, data=form_of(page, {keep: ("keep", "", ""), move: ("move", target, ""),
                                                        cancel: ("cancel", "", "Praticienne en congé")}))
    assert answer.status_code == 303, answer.text[:800]
    assert answer.headers["location"].endswith("hours?done=time_off_decided&kept=1&moved=1&cancelled=1#time-off")
    status = unescape((await client.get(answer.headers["location"])).text)
    assert "1 rendez-vous gardé(s), 1 déplacé(s), 1 annulé(s)" in status

    kept, moved, cancelled = [await Appointment.get(id=key) for key in (keep, move, cancel)]
    assert (kept.starts_at, kept.status, kept.version) == (paris(2026, 12, 8, 10), "not_filled", versions[keep])
    assert moved.starts_at == datetime.fromisoformat(target) and moved.previous_starts_at == paris(2026, 12, 9, 10)
    assert moved.version == versions[move] + 1 and moved.status == "not_filled"
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled_by_practitioner", "Praticienne en congé")
    # The outbox: a move notice to the patient (and the new time's reminders), a cancellation
    # notice; nothing for the appointment kept, nothing to the practitioner for their own change.
    assert await new_messages(keep, before) == set()
    assert ("moved", "patient") in await new_messages(move, before)
    assert {kind for kind, _ in await new_messages(move, before)} <= {"moved", "reminder"}
    assert await new_messages(cancel, before) == {("cancelled", "patient")}
    events = await AuditEvent.filter(action__in=DECIDED).order_by("id").values("action", "object_id", "detail")
    assert {(e["action"], str(e["object_id"])) for e in events} == {
        ("appointment.time_off.keep", str(keep)), ("appointment.move", str(move)),
        ("appointment.cancel", str(cancel))}
    assert all("congé" not in str(e["detail"]) for e in events)  # the reason stays with the appointment
    # Coming back: the kept one is still inside the absence, the others are not.
    again = unescape((await client.get(path)).text)
    assert "Durand" in again and "Petit" not in again and "Roux" not in again


async def test_a_slot_taken_meanwhile_refuses_that_row_and_writes_nothing(both_client, clock):
    client = both_client
    keep, move, cancel = await three_inside(clock.now)
    await signed_in_as(client, clock.now)
    path, page = await add_week_off(client)
    target = next(value for value in slot_options(page, move) if value[:10] == "2026-12-14")
    # A patient books that very slot online while the practice is choosing.
    await book(datetime.fromisoformat(target), clock.now, practitioner="camille-martin", service="consultation-adulte",
               patient=patient(last_name="Rapide", email="rapide@example.org"))
    before = await OutboxMessage.all().count()
    answer = await client.post(path, data=form_of(page, {keep: ("keep", "", ""), move: ("move", target, ""),
                                                        cancel: ("cancel", "", "Praticienne en congé")}))
    assert answer.status_code == 409
    text = unescape(answer.text)
    assert "Ce créneau vient d'être pris : choisissez-en un autre." in text
    assert 'aria-describedby="slot_%d-error"' % move in text and "Rien n’a été enregistré" in text
    # Every other choice comes back as typed.
    assert re.search(rf'id="cancel-{cancel}" name="choice_{cancel}" value="cancel" checked', text)
    assert re.search(rf'id="move-{move}" name="choice_{move}" value="move" checked', text)
    assert "Praticienne en congé</textarea>" in text
    assert target not in slot_options(text, move)  # the taken slot is no longer offered
    assert await OutboxMessage.all().count() == before
    assert not await AuditEvent.filter(action__in=DECIDED).exists()
    assert {a.status for a in await Appointment.filter(id__in=[keep, move, cancel])} == {"not_filled"}


async def test_the_database_refusing_a_move_rolls_back_the_whole_page(both_client, clock, monkeypatch):
    """The race after the checks: the overlap guard of the database refuses the move at write time;
    the cancellation written before it in the same transaction is undone."""
    client = both_client
    _, move, cancel = await three_inside(clock.now)
    await signed_in_as(client, clock.now)
    path, page = await add_week_off(client)
    target = next(value for value in slot_options(page, move) if value[:10] == "2026-12-14")
    await book(datetime.fromisoformat(target), clock.now, practitioner="camille-martin", service="consultation-adulte",
               patient=patient(last_name="Rapide", email="rapide@example.org"))

    async def looks_free(*args, **kwargs) -> str:
        return "ok"

    monkeypatch.setattr(choices_module, "check_start", looks_free)
    before = await OutboxMessage.all().count()
    answer = await client.post(path, data=form_of(page, {move: ("move", target, ""), cancel: ("cancel", "", "")}))
    assert answer.status_code == 409 and "Ce créneau vient d'être pris" in unescape(answer.text)
    assert (await Appointment.get(id=cancel)).status == "not_filled"
    assert await OutboxMessage.all().count() == before
    assert not await AuditEvent.filter(action__in=DECIDED).exists()


async def test_choices_are_checked_row_by_row(client, clock):
    keep, move, cancel = await three_inside(clock.now)
    await signed_in_as(client, clock.now)
    path, page = await add_week_off(client)
    answer = await client.post(path, data=form_of(page, {keep: ("maybe", "", ""), move: ("move", "", ""),
                                                        cancel: ("cancel", "", "x" * 501)}))
    assert answer.status_code == 422
    text = unescape(answer.text)
    assert "Choisissez : garder, déplacer ou annuler ce rendez-vous." in text
    assert "Choisissez le nouveau créneau dans la liste." in text and "Le motif est limité à 500 caractères." in text
    assert "x" * 501 + "</textarea>" in text
    # A time that was never offered (in the middle of the night), or inside the absence itself.
    for slot in ("2026-12-15T02:00:00+00:00", "2026-12-09T09:00:00+00:00"):
        refused = await client.post(path, data=form_of(page, {move: ("move", slot, "")}))
        assert refused.status_code == 422, slot
        assert "Ce créneau n'est pas proposé à la réservation." in unescape(refused.text)
    # A changed appointment (the patient moved it meanwhile): shown again, nothing written.
    await Appointment.filter(id=keep).update(version=9)
    stale = await client.post(path, data=form_of(page, {keep: ("cancel", "", "")}))
    assert stale.status_code == 409 and "vient d'être modifié" in unescape(stale.text)
    nothing = await client.post(path, data={"csrf_token": csrf_of(page)})
    assert nothing.status_code == 422 and "Aucun rendez-vous à traiter." in unescape(nothing.text)
    assert not await AuditEvent.filter(action__in=DECIDED).exists()
    assert {a.status for a in await Appointment.filter(id__in=[keep, move, cancel])} == {"not_filled"}


async def test_another_practices_appointment_is_not_found(client, clock):
    _, move, _ = await three_inside(clock.now)
    await load_second_practice()
    theirs = await book(paris(2026, 12, 8, 11), clock.now, practitioner=LEA, service="consultation",
                        patient=patient(email="lea-patient@example.org"))
    colleague = await book(paris(2026, 12, 8, 15), clock.now, practitioner="hugo-bernard", service="consultation",
                           patient=patient(email="hugo-patient@example.org"))
    await signed_in_as(client, clock.now)
    path, page = await add_week_off(client)
    for other in (theirs.appointment_id, colleague.appointment_id):
        data = form_of(page, {move: ("keep", "", "")})
        data["appointment"].append(str(other))
        data |= {f"choice_{other}": "cancel", f"version_{other}": "1"}
        answer = await client.post(path, data=data)
        assert answer.status_code == 404, other
    assert (await Appointment.get(id=theirs.appointment_id)).status == "not_filled"
    assert (await Appointment.get(id=colleague.appointment_id)).status == "not_filled"
    assert not await AuditEvent.filter(action__in=DECIDED).exists()
    # Camille herself never reaches her colleague's absences.
    hugo = await Practitioner.get(slug="hugo-bernard")
    hugo_off = await AvailabilityException.create(practitioner_id=hugo.id, start_date=paris(2026, 12, 8, 0).date(),
                                                  end_date=paris(2026, 12, 8, 0).date(), kind="closed")
    assert (await client.get(f"/admin/settings/practitioners/{hugo.id}/time-off/{hugo_off.id}")).status_code == 200
    camille = await Practitioner.get(slug="camille-martin")
    mismatched = f"/admin/settings/practitioners/{camille.id}/time-off/{hugo_off.id}"
    assert (await client.get(mismatched)).status_code == 404


async def test_time_off_with_nothing_inside_goes_back_to_the_hours(client, clock):
    await signed_in_as(client, clock.now)
    camille = await Practitioner.get(slug="camille-martin")
    hours = await client.get(f"/admin/settings/practitioners/{camille.id}/hours")
    added = await client.post(f"/admin/settings/practitioners/{camille.id}/time-off", data={
        "csrf_token": csrf_of(hours.text), "kind": "closed", "start_date": "2027-01-04"})
    assert added.status_code == 303 and added.headers["location"].endswith("/hours?done=time_off")
