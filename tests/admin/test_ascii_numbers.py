"""Numbers typed in the back-office's forms are ASCII digits. Python's int() takes the digits
of every script ("٧٢" is 72, "७२" too) while "²" is refused: an Arabic-Indic number was saved
as a reminder delay or granted an agenda by its id. Each is now refused with the field's message,
nothing written."""

from __future__ import annotations

from html import unescape

from portal.access.models import StaffGrant
from portal.models import Practice, Practitioner, Service
from portal.patients.input import ascii_number
from tests.access.helpers import add_staff
from tests.admin.conftest import post_form, signed_in_as
from tests.admin.test_hours_page import hours_path
from tests.admin.test_settings_page import VALID

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def test_only_ascii_digits_make_a_number():
    assert ascii_number(" 72 ", 4) == 72
    for typed in ("٧٢", "७२", "²", "7٢", "", "-1", "+1", "1_0", "12345"):
        assert ascii_number(typed, 4) is None, typed


async def test_reminder_delays_and_the_cutoff_in_other_digits_are_refused(client, now):
    await signed_in_as(client, now)
    typed = {**VALID, "reminders_email": "72".translate(ARABIC_INDIC), "reminders_sms": "48, " + "30".translate(DEVANAGARI),
             "cancellation_cutoff_hours": "24".translate(ARABIC_INDIC)}
    answer = await post_form(client, "/admin/settings", **typed)
    assert answer.status_code == 422
    text = unescape(answer.text)
    assert "Indiquez un nombre d'heures entre 0 et 168." in text
    assert "Indiquez des nombres d'heures séparés par des virgules" in text
    assert (await Practice.get(slug="cabinet-des-lilas")).reminder_policy != {"email": [72], "sms": [48, 30]}
    typed["cancellation_cutoff_hours"] = "24"
    again = unescape((await post_form(client, "/admin/settings", **typed)).text)
    assert again.count("Indiquez des nombres d'heures séparés par des virgules") >= 2  # both channels


async def test_service_numbers_in_other_digits_are_refused(client, now):
    await signed_in_as(client, now)
    hugo = await Practitioner.get(slug="hugo-bernard")
    answer = await post_form(client, f"/admin/settings/practitioners/{hugo.id}/services", name="Bilan",
                             duration_minutes="30".translate(ARABIC_INDIC), buffer_before_minutes="0",
                             buffer_after_minutes="0", min_notice_minutes="0", horizon_days="30")
    assert answer.status_code == 422 and "Une durée entre 5 et 480 minutes." in unescape(answer.text)
    assert not await Service.filter(practitioner_id=hugo.id, name="Bilan").exists()


async def test_opening_hours_in_other_digits_are_refused(client, now):
    await signed_in_as(client, now)
    answer = await post_form(client, await hours_path("hugo-bernard"), open_0="09:00-12:00".translate(ARABIC_INDIC))
    assert answer.status_code == 422 and "n'est pas une plage horaire" in unescape(answer.text)


async def test_a_grant_by_an_id_in_other_digits_is_refused(client, now):
    await signed_in_as(client, now)
    assistant, _ = await add_staff(now, "accueil@cabinet-des-lilas.example", "assistant", grants=("hugo-bernard",))
    camille = await Practitioner.get(slug="camille-martin")
    path = f"/admin/settings/staff/{assistant.id}"
    from tests.admin.conftest import csrf_of
    token = csrf_of((await client.get(path)).text)
    answer = await client.post(path, data={"csrf_token": token, "role": "assistant",
                                           "grants": [str(camille.id).translate(ARABIC_INDIC)]})
    assert answer.status_code == 422 and "Choisissez des praticiens du cabinet." in unescape(answer.text)
    hugo = await Practitioner.get(slug="hugo-bernard")
    assert await StaffGrant.filter(staff_id=assistant.id).values_list("practitioner_id", flat=True) == [hugo.id]
    role = await client.post(path, data={"csrf_token": token, "role": "practitioner",
                                         "practitioner": str(camille.id).translate(ARABIC_INDIC)})
    assert role.status_code == 422 and "Un compte praticien désigne son praticien." in unescape(role.text)
    invite = await post_form(client, "/admin/settings/staff", "/admin/settings/staff/invite", email="nouveau@cabinet-des-lilas.example",
                             role="practitioner", practitioner=str(camille.id).translate(ARABIC_INDIC), locale="fr")
    assert invite.status_code == 422
