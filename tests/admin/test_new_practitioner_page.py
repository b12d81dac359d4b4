"""The back-office page "Ajouter un praticien" over HTTP (issue 14): an administrator creates a
practitioner of their own practice, checked field by field as the profile page checks them, with
nothing typed lost and nothing written on a refusal; the slug is derived from the name (suffixed
when taken); the new practitioner's page says what patients still need. Other roles find no page."""

from __future__ import annotations

from html import unescape

import pytest
from babel.messages.extract import extract_from_file

from portal.access.staff import staff_ctx
from portal.audit.models import AuditEvent
from portal.errors import NotFound
from portal.i18n import ROOT
from portal.models import Practice, Practitioner
from portal.practice import practitioners
from portal.practice.practitioners import create_practitioner
from tests.access.helpers import add_staff
from tests.admin.conftest import post_form, signed_in_as
from tests.builders import load_demo
from tests.patient_pages.test_catalog import english_catalog
from tests.two_practices.conftest import BELLEVILLE, load_second_practice

NEW = "/admin/settings/practitioners/new"
NINA = {"title": "", "first_name": "Nina", "last_name": "Roche", "profession": "Orthophoniste",
        "rpps": "10101234568", "adeli": "", "email": "nina.roche@cabinet-des-lilas.example",
        "phone": "06 12 34 56 78", "bookable": "1"}


async def count() -> int:
    return await Practitioner.all().count()


async def test_the_list_offers_the_page_and_the_practitioner_is_created_audited_and_told_what_is_missing(client, now):
    admin = await signed_in_as(client, now)
    listing = await client.get("/admin/settings/practitioners")
    assert f'href="{NEW}"' in listing.text and "Ajouter un praticien" in listing.text
    answer = await post_form(client, NEW, **NINA)
    assert answer.status_code == 303, answer.text[:500]
    nina = await Practitioner.get(slug="nina-roche")
    assert answer.headers["location"] == f"/admin/settings/practitioners/{nina.id}?done=created"
    lilas = await Practice.get(slug="cabinet-des-lilas")
    assert (nina.practice_id, nina.first_name, nina.last_name, nina.profession, nina.rpps, nina.adeli, nina.email,
            nina.phone, nina.bookable, nina.title) == (lilas.id, "Nina", "Roche", "Orthophoniste", "10101234568", None,
                                                       "nina.roche@cabinet-des-lilas.example", "+33612345678", True, "")
    event = await AuditEvent.get(action="practitioner.create")
    assert (event.object_id, event.practice_id, event.actor) == (nina.id, lilas.id, f"staff:{admin.id}")

    page = unescape((await client.get(answer.headers["location"])).text)
    assert "Praticien ajouté." in page
    assert "Les patients ne peuvent pas encore le réserver en ligne" in page
    assert f'href="/admin/settings/practitioners/{nina.id}/hours">saisir ses horaires' in page
    assert f'href="/admin/settings/practitioners/{nina.id}/services">ajouter une prestation' in page


async def test_a_bookable_practitioner_with_hours_and_a_service_is_told_nothing(client, now):
    await signed_in_as(client, now)
    camille = await Practitioner.get(slug="camille-martin")
    page = unescape((await client.get(f"/admin/settings/practitioners/{camille.id}")).text)
    assert "ne peuvent pas encore" not in page


async def test_unticked_bookable_is_kept_and_said(client, now):
    await signed_in_as(client, now)
    answer = await post_form(client, NEW, **{**NINA, "bookable": ""})
    assert answer.status_code == 303
    assert not (await Practitioner.get(slug="nina-roche")).bookable
    page = unescape((await client.get(answer.headers["location"])).text)
    assert "la réservation en ligne est désactivée" in page


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("first_name", "", "Ce champ est obligatoire."),
    ("last_name", "  ", "Ce champ est obligatoire."),
    ("profession", "", "Ce champ est obligatoire."),
    ("first_name", "N" * 101, "100 caractères au plus."),
    ("title", "D" * 21, "20 caractères au plus."),
    ("rpps", "123", "Le numéro RPPS a 11 chiffres."),
    ("adeli", "abcdefghi", "Le numéro ADELI a 9 chiffres."),
    ("email", "nina@", "Cette adresse e-mail n'est pas valide."),
    ("phone", "42", "Ce numéro de téléphone n'est pas valide (par exemple 06 12 34 56 78)."),
])
async def test_each_field_is_checked_with_nothing_typed_lost_and_nothing_written(client, now, field, typed, message):
    await signed_in_as(client, now)
    before = await count()
    answer = await post_form(client, NEW, **{**NINA, field: typed})
    assert answer.status_code == 422
    text = unescape(answer.text)
    assert message in text
    assert f'aria-describedby="{field}-error"' in text and f'id="{field}-error"' in text
    for name, value in NINA.items():  # every field as typed, the refused one too
        if name != "bookable" and name != field:
            assert f'value="{value}"' in text, name
    if typed.strip():
        assert f'value="{typed}"' in text
    assert await count() == before
    assert not await AuditEvent.filter(action="practitioner.create").exists()


async def test_the_messages_in_english(client, now):
    await signed_in_as(client, now)
    form = await client.get(NEW + "?lang=en")
    assert form.status_code == 200 and "Add a practitioner" in form.text
    answer = await post_form(client, NEW, **{**NINA, "first_name": "", "rpps": "1", "last_name": "R" * 101})
    # The language chosen above stays for the session's pages.
    text = unescape(answer.text)
    assert answer.status_code == 422
    assert "This field is required." in text and "An RPPS number has 11 digits." in text
    assert "At most 100 characters." in text


def test_every_string_of_the_new_pages_is_translated():
    catalog = english_catalog()
    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    missing = []
    for page in ("practitioner_new", "_practitioner_missing"):
        for _, message, _, _ in extract_from_file("jinja2", str(ROOT / "templates" / "admin" / f"{page}.html"),
                                                  options=options):
            text = message if isinstance(message, str) else message[0]
            if not (catalog.get(text) and catalog.get(text).string):
                missing.append(text)
    assert missing == []


async def test_a_taken_slug_gets_a_suffix_as_the_command_line_does(client, now):
    await signed_in_as(client, now)
    first = await post_form(client, NEW, **{**NINA, "first_name": "Camille", "last_name": "Martin"})
    second = await post_form(client, NEW, **{**NINA, "first_name": "Camille", "last_name": "Martin"})
    accented = await post_form(client, NEW, **{**NINA, "first_name": "Noé", "last_name": "  Lefèvre-Dupré "})
    assert first.status_code == second.status_code == accented.status_code == 303
    slugs = set(await Practitioner.all().values_list("slug", flat=True))
    assert {"camille-martin", "camille-martin-2", "camille-martin-3", "noe-lefevre-dupre"} <= slugs
    noe = await Practitioner.get(slug="noe-lefevre-dupre")
    assert noe.last_name == "Lefèvre-Dupré"


async def test_a_name_with_no_latin_letter_still_gets_an_address(client, now):
    await signed_in_as(client, now)
    assert (await post_form(client, NEW, **{**NINA, "first_name": "李", "last_name": "王"})).status_code == 303
    assert await Practitioner.exists(slug="praticien", first_name="李")


async def test_the_administrator_of_another_practice_creates_in_theirs(client, now):
    belleville = await load_second_practice()
    await signed_in_as(client, now, "admin@msp-belleville.example", practice=BELLEVILLE)
    assert (await post_form(client, NEW, **NINA)).status_code == 303
    assert (await Practitioner.get(slug="nina-roche")).practice_id == belleville.id
    assert (await AuditEvent.get(action="practitioner.create")).practice_id == belleville.id


@pytest.mark.parametrize(("role", "options"), [("practitioner", {"practitioner": "camille-martin"}),
                                               ("assistant", {"grants": ("hugo-bernard",)})])
async def test_only_an_administrator_may_create(client, now, role, options):
    await signed_in_as(client, now, f"{role}@cabinet-des-lilas.example", role, **options)
    assert (await client.get(NEW)).status_code == 404
    assert 'href="/admin/settings/practitioners/new"' not in (await client.get("/admin/settings/practitioners")).text
    before = await count()
    answer = await post_form(client, "/admin/agenda", NEW, **NINA)  # a valid token from a page they may see
    assert answer.status_code == 404
    assert await count() == before and not await AuditEvent.filter(action="practitioner.create").exists()


async def test_without_a_valid_form_token_nothing_is_created(client, now):
    await signed_in_as(client, now)
    before = await count()
    answer = await client.post(NEW, data={"csrf_token": "forged", **NINA})
    assert answer.status_code == 403 and await count() == before


async def test_the_use_case_refuses_another_practice_and_writes_nothing(any_database, now):
    """The core's own check, whatever the page does: an administrator creates only in their practice."""
    await load_demo()
    belleville = await load_second_practice()
    user, _ = await add_staff(now)
    ctx = await staff_ctx(user, now)
    before = await count()
    with pytest.raises(NotFound):
        await create_practitioner(ctx, belleville, NINA)
    assert await count() == before and not await AuditEvent.filter(action="practitioner.create").exists()
    created = await create_practitioner(ctx, await Practice.get(slug="cabinet-des-lilas"), NINA)
    assert created.slug == "nina-roche"


async def test_a_slug_taken_between_the_look_and_the_write_is_looked_for_again(any_database, now, monkeypatch):
    """Two administrators adding a "Camille Martin" at once: the database's unique slug refuses the
    second write, and the use case looks for a free slug again instead of answering an error."""
    await load_demo()
    user, _ = await add_staff(now)
    ctx = await staff_ctx(user, now)
    looks: list[str] = []
    real = practitioners._free_slug

    async def stale_then_real(base: str) -> str:
        looks.append(base)
        return base if len(looks) == 1 else await real(base)  # the first look misses camille-martin

    monkeypatch.setattr(practitioners, "_free_slug", stale_then_real)
    created = await create_practitioner(ctx, await Practice.get(slug="cabinet-des-lilas"),
                                        {**NINA, "first_name": "Camille", "last_name": "Martin"})
    assert (created.slug, looks) == ("camille-martin-2", ["camille-martin", "camille-martin"])
    assert await AuditEvent.filter(action="practitioner.create").count() == 1
