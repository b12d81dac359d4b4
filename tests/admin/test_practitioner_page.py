"""A practitioner's profile over HTTP, signed in: saved, checked field by field with nothing
typed lost, archived (hidden from patients, history kept), audited."""

from __future__ import annotations

import re
from html import unescape

from portal import access
from portal.audit.models import AuditEvent
from portal.models import Appointment, Practitioner
from tests.admin.conftest import post_form, signed_in_as
from tests.builders import book, paris, visitor

PROFILE = {"title": "", "first_name": "Hugo", "last_name": "Bernard", "profession": "Audioprothésiste",
           "rpps": "10101234567", "adeli": "", "email": "hugo@cabinet-des-lilas.example", "phone": "06 12 34 56 78",
           "bio": "Appareillage auditif.", "bookable": "1"}


async def page(slug: str) -> str:
    return f"/admin/settings/practitioners/{(await Practitioner.get(slug=slug)).id}"


async def test_the_profile_is_saved_and_audited(client, now):
    await signed_in_as(client, now)
    path = await page("hugo-bernard")
    answer = await post_form(client, path, **PROFILE)
    assert answer.status_code == 303 and answer.headers["location"] == path + "?done=saved"
    hugo = await Practitioner.get(slug="hugo-bernard")
    assert (hugo.email, hugo.phone, hugo.bio) == ("hugo@cabinet-des-lilas.example", "+33612345678",
                                                  "Appareillage auditif.")
    assert await AuditEvent.filter(action="practitioner.profile", object_id=hugo.id).exists()


async def test_every_field_is_checked_and_nothing_typed_is_lost(client, now):
    await signed_in_as(client, now)
    path = await page("hugo-bernard")
    answer = await post_form(client, path, **{**PROFILE, "first_name": "", "rpps": "123", "adeli": "abc",
                                              "email": "nope", "phone": "42", "bio": "Garde ce texte"})
    assert answer.status_code == 422
    text = unescape(answer.text)
    for message in ("Ce champ est obligatoire.", "Le numéro RPPS a 11 chiffres.", "Le numéro ADELI a 9 chiffres.",
                    "Cette adresse e-mail n'est pas valide.", "Ce numéro de téléphone n'est pas valide"):
        assert message in text, message
    assert "Garde ce texte" in text and 'value="nope"' in text
    assert (await Practitioner.get(slug="hugo-bernard")).email == "hugo.bernard@cabinet-des-lilas.example"


async def test_archiving_hides_the_practitioner_and_keeps_the_history(client, now):
    booked = await book(paris(2026, 12, 1, 15), now, practitioner="hugo-bernard", service="consultation")
    await signed_in_as(client, now)
    path = await page("hugo-bernard")
    answer = await post_form(client, path, path + "/archive")
    assert answer.status_code == 303
    assert list(await access.bookable_practitioners(visitor(now)).values_list("slug", flat=True)) == ["camille-martin"]
    assert await Appointment.exists(id=booked.appointment_id)
    again = await post_form(client, path, **PROFILE)  # ticking "bookable" does not bring them back
    assert again.status_code == 303 and not (await Practitioner.get(slug="hugo-bernard")).bookable
    assert "archivé" in unescape((await client.get("/admin/settings/practitioners")).text)
    assert await AuditEvent.filter(action="practitioner.archive").exists()


async def test_a_practitioner_may_edit_their_profile_but_not_archive(client, now):
    await signed_in_as(client, now, "camille@cabinet-des-lilas.example", "practitioner", practitioner="camille-martin")
    path = await page("camille-martin")
    assert (await client.get(path)).status_code == 200
    assert (await post_form(client, path, path + "/archive")).status_code == 404
    assert (await Practitioner.get(slug="camille-martin")).archived_at is None


def admin_links(html: str) -> list[str]:
    return sorted({unescape(link) for link in re.findall(r'href="(/admin[^"#]*)"', html)})


async def test_a_practitioner_reaches_their_settings_from_the_menu_and_no_link_there_is_dead(client, now):
    """Hours, time off, services, feeds and external calendars are theirs to keep: the menu leads
    there, and the settings pages link only to pages they may open."""
    await signed_in_as(client, now, "camille@cabinet-des-lilas.example", "practitioner", practitioner="camille-martin")
    camille = await page("camille-martin")
    reached: set[str] = set()
    queue = ["/admin/"]
    while queue:
        path = queue.pop()
        if path in reached or "lang=" in path:
            continue
        reached.add(path)
        answer = await client.get(path)
        assert answer.status_code == 200, path
        if path == "/admin/" or path.startswith("/admin/settings"):
            queue += admin_links(answer.text)
    assert {camille, camille + "/hours", camille + "/services", "/admin/settings/feeds",
            "/admin/settings/calendars"} <= reached
