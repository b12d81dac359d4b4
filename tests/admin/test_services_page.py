"""A practitioner's services over HTTP, signed in: created with a price and seen by patients,
checked field by field with nothing typed lost, archived (no longer offered, appointments keep
it), audited; another practitioner's service is not found."""

from __future__ import annotations

from html import unescape

import httpx2

from portal.audit.models import AuditEvent
from portal.models import Practitioner, Service
from tests.admin.conftest import post_form, signed_in_as

NEW = {"name": "Bilan auditif", "name_en": "Hearing check", "duration_minutes": "40", "buffer_before_minutes": "5",
       "buffer_after_minutes": "10", "min_notice_minutes": "120", "horizon_days": "90", "price": "45,50",
       "bookable_online": "1"}


async def services_path(slug: str) -> str:
    return f"/admin/settings/practitioners/{(await Practitioner.get(slug=slug)).id}/services"


async def test_a_service_with_a_price_is_created_and_offered_to_patients(client, now):
    await signed_in_as(client, now)
    path = await services_path("hugo-bernard")
    answer = await post_form(client, path, **NEW)
    assert answer.status_code == 303 and answer.headers["location"] == path + "?done=saved"
    service = await Service.get(practitioner__slug="hugo-bernard", name="Bilan auditif")
    assert (service.slug, service.price_cents, service.duration_minutes) == ("bilan-auditif", 4550, 40)
    assert await AuditEvent.filter(action="service.create", object_id=service.id).exists()
    public = unescape((await client.get("/p/hugo-bernard")).text)
    assert "Bilan auditif" in public and "45,50" in public


async def test_every_field_is_checked_and_nothing_typed_is_lost(client, now):
    await signed_in_as(client, now)
    path = await services_path("hugo-bernard")
    before = await Service.all().count()
    answer = await post_form(client, path, **{**NEW, "name": "", "duration_minutes": "0", "horizon_days": "abc",
                                              "price": "douze", "buffer_after_minutes": "500"})
    assert answer.status_code == 422
    text = unescape(answer.text)
    for message in ("Ce champ est obligatoire.", "Une durée entre 5 et 480 minutes.", "Entre 1 et 730 jours.",
                    "Un prix en euros, par exemple 60 ou 45,50.", "Entre 0 et 120 minutes."):
        assert message in text, message
    assert 'value="douze"' in text and 'value="Hearing check"' in text
    assert await Service.all().count() == before


async def test_archiving_a_service_stops_offering_it(client, now):
    await signed_in_as(client, now)
    service = await Service.get(practitioner__slug="hugo-bernard", slug="test-audition")
    path = f"{await services_path('hugo-bernard')}/{service.id}"
    answer = await post_form(client, path, path + "/archive")
    assert answer.status_code == 303
    archived = await Service.get(id=service.id)
    assert archived.archived_at is not None and not archived.bookable_online
    assert "Test de l'audition" not in unescape((await client.get("/p/hugo-bernard")).text)
    assert "archivée" in unescape((await client.get(await services_path("hugo-bernard"))).text)


async def test_a_service_of_another_practitioner_is_not_found(client: httpx2.AsyncClient, now):
    await signed_in_as(client, now)
    camille = await Service.filter(practitioner__slug="camille-martin").first()
    assert (await client.get(f"{await services_path('hugo-bernard')}/{camille.id}")).status_code == 404


async def test_who_a_service_is_for_is_edited_and_shown_to_patients(client, now):
    await signed_in_as(client, now)
    path = await services_path("hugo-bernard")
    form = await client.get(path)
    assert 'name="audience" value="adult"' in form.text and "Pour qui est cette prestation ?" in form.text
    refused = await post_form(client, path, **{**NEW, "audience": "pets", "name": ""})
    assert refused.status_code == 422 and "adultes, enfants, ou les deux" in unescape(refused.text)
    assert 'value="Hearing check"' in refused.text and not await Service.filter(name="Bilan auditif").exists()
    answer = await post_form(client, path, **{**NEW, "audience": "child"})
    assert answer.status_code == 303
    service = await Service.get(practitioner__slug="hugo-bernard", name="Bilan auditif")
    assert service.audience == "child"
    assert "pour les enfants" in (await client.get(path)).text
    assert "Pour les enfants" in unescape((await client.get("/p/hugo-bernard")).text)
    edited = await post_form(client, f"{path}/{service.id}", **{**NEW, "audience": "all"})
    assert edited.status_code == 303 and (await Service.get(id=service.id)).audience == "all"
    english = await client.get(f"{path}/{service.id}?lang=en")
    assert "Who is this service for?" in english.text and "Children (with an accompanying adult)" in english.text
