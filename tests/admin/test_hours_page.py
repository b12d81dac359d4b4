"""The week grid of hours and breaks over HTTP, signed in: saved and seen by patients at once,
reversed and overlapping ranges refused with a message naming them, nothing typed lost, audited."""

from __future__ import annotations

from datetime import date
from html import unescape

from portal import access
from portal.audit.models import AuditEvent
from portal.booking.availability import list_slots, load_target
from portal.models import OpeningHours, Practitioner
from tests.admin.conftest import post_form, signed_in_as
from tests.builders import visitor


async def hours_path(slug: str) -> str:
    return f"/admin/settings/practitioners/{(await Practitioner.get(slug=slug)).id}/hours"


async def test_hours_with_a_lunch_break_are_saved_and_offered_to_patients(client, now):
    await signed_in_as(client, now)
    path = await hours_path("hugo-bernard")
    page = unescape((await client.get(path)).text)
    assert 'value="09:30-12:00, 13:30-18:00"' in page  # the demo's Monday
    answer = await post_form(client, path, open_2="9h00 - 17h00", break_2="12:00-13:00")
    assert answer.status_code == 303 and answer.headers["location"] == path + "?done=saved"
    rows = await OpeningHours.filter(practitioner__slug="hugo-bernard").values_list("weekday", "kind", "starts", "ends")
    assert sorted(rows) == [(2, "break", 720, 780), (2, "open", 540, 1020)]
    target = await load_target("hugo-bernard", "consultation")
    wednesday = date(2026, 12, 2)
    starts = {slot.start.astimezone(target.tz).strftime("%H:%M") for slot in
              await list_slots(target, wednesday, wednesday, now)}
    assert "09:00" in starts and "11:30" in starts and "12:00" not in starts and "12:30" not in starts
    assert "13:00" in starts and "16:30" in starts
    assert (await AuditEvent.get(action="practitioner.hours")).object_id == target.practitioner_id


async def test_reversed_and_overlapping_ranges_are_refused_clearly(client, now):
    await signed_in_as(client, now)
    path = await hours_path("camille-martin")
    before = await OpeningHours.filter(practitioner__slug="camille-martin").count()
    answer = await post_form(client, path, open_0="14:00-12:00", open_1="09:00-12:00, 11:00-13:00",
                             open_2="09:00-12:00", break_2="13:00-14:00", open_3="midi", open_4="08:00-18:00")
    assert answer.status_code == 422
    text = unescape(answer.text)
    for message in ("La plage 14:00-12:00 finit avant de commencer.",
                    "Les plages 09:00-12:00 et 11:00-13:00 se chevauchent.",
                    "Une pause doit tomber pendant les horaires d'ouverture de ce jour.",
                    "« midi » n'est pas une plage horaire"):
        assert message in text, message
    assert 'value="08:00-18:00"' in text and 'value="14:00-12:00"' in text
    assert await OpeningHours.filter(practitioner__slug="camille-martin").count() == before
    assert not await AuditEvent.filter(action="practitioner.hours").exists()


async def test_emptying_the_week_takes_the_practitioner_off_the_patients_list(client, now):
    await signed_in_as(client, now)
    answer = await post_form(client, await hours_path("hugo-bernard"))
    assert answer.status_code == 303
    offered = await access.bookable_practitioners(visitor(now)).values_list("slug", flat=True)
    assert list(offered) == ["camille-martin"]
    listing = unescape((await client.get("/admin/settings/practitioners")).text)
    assert "aucun horaire d’ouverture" in listing


async def test_a_practitioner_edits_only_their_own_hours(client, now):
    await signed_in_as(client, now, "camille@cabinet-des-lilas.example", "practitioner", practitioner="camille-martin")
    assert (await client.get(await hours_path("camille-martin"))).status_code == 200
    assert (await client.get(await hours_path("hugo-bernard"))).status_code == 404


async def test_a_week_of_holidays_closes_the_agenda_and_names_the_appointments_inside(client, now):
    from portal.models import AvailabilityException
    from tests.builders import book, paris
    await book(paris(2026, 12, 8, 10), now, practitioner="camille-martin", service="consultation-adulte")
    await signed_in_as(client, now)
    path = await hours_path("camille-martin")
    base = path.removesuffix("/hours")
    answer = await post_form(client, path, base + "/time-off", kind="closed", start_date="2026-12-07",
                             end_date="2026-12-13", label="Congés")
    assert answer.status_code == 303 and "/time-off/" in answer.headers["location"]  # to keep, move or cancel it
    text = unescape((await client.get(answer.headers["location"])).text)
    assert "pendant cette absence : 1." in text and "mardi 8 décembre 2026 à 10\xa0h\xa000" in text
    target = await load_target("camille-martin", "consultation-adulte")
    assert await list_slots(target, date(2026, 12, 7), date(2026, 12, 13), now) == []
    assert await list_slots(target, date(2026, 12, 14), date(2026, 12, 14), now)
    exception = await AvailabilityException.get(label="Congés")
    removed = await post_form(client, path, f"{base}/time-off/{exception.id}/remove")
    assert removed.status_code == 303 and not await AvailabilityException.exists()
    assert await list_slots(target, date(2026, 12, 7), date(2026, 12, 7), now)
    actions = await AuditEvent.filter(object_type="availability_exception").order_by("id").values_list("action", flat=True)
    # The page of appointments inside showed the booked patient: that read is recorded too.
    assert actions == ["practitioner.time_off.add", "practitioner.time_off.view", "practitioner.time_off.remove"]


async def test_time_off_is_checked_field_by_field(client, now):
    from portal.models import AvailabilityException
    await signed_in_as(client, now)
    path = await hours_path("hugo-bernard")
    base = path.removesuffix("/hours")
    answer = await post_form(client, path, base + "/time-off", kind="closed", start_date="2026-12-10",
                             end_date="2026-12-01", hours="18:00-14:00", label="Formation")
    assert answer.status_code == 422
    text = unescape(answer.text)
    assert "La date de fin vient avant la date de début." in text and "finit avant de commencer" in text
    assert 'value="Formation"' in text and 'value="2026-12-10"' in text
    opening = await post_form(client, path, base + "/time-off", kind="open", start_date="2026-12-12")
    assert opening.status_code == 422 and "Indiquez les heures de l'ouverture exceptionnelle" in unescape(opening.text)
    assert not await AvailabilityException.exists()
