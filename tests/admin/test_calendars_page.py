"""The external calendars page over HTTP, signed in: add (internal addresses refused with a
clear message, nothing typed lost), the sync status shown, remove with its busy time."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

from calendar_sync.models import ExternalCalendar
from portal.audit.models import AuditEvent
from portal.models import BusyBlock
from tests.admin.conftest import csrf_of, post_form, signed_in_as

PAGE = "/admin/settings/calendars"


async def test_an_external_calendar_is_added_listed_with_its_status_and_removed(client, now):
    await signed_in_as(client, now)
    secret = "https://8.8.8.8/private-abcdef/basic.ics"
    answer = await post_form(client, PAGE, practitioner="camille-martin", url=secret, label="Agenda perso")
    assert answer.status_code == 303 and answer.headers["location"] == PAGE + "?done=added"
    calendar = await ExternalCalendar.get()
    assert calendar.url == secret
    page = unescape((await client.get(PAGE)).text)
    assert "Agenda perso" in page and "En attente de la première lecture" in page and "private-abcdef" not in page
    await ExternalCalendar.filter(id=calendar.id).update(
        stale=True, last_error="HTTP 500", last_error_at=now, last_success_at=now - timedelta(hours=2))
    page = unescape((await client.get(PAGE)).text)
    assert "En erreur" in page and "HTTP 500" in page
    await BusyBlock.create(practitioner_id=calendar.practitioner_id, source_id=calendar.id, starts_at=now,
                           ends_at=now + timedelta(hours=1))
    removed = await client.post(f"{PAGE}/{calendar.id}/remove", data={"csrf_token": csrf_of(page), "confirmed": "yes"})
    assert removed.status_code == 303
    assert not await ExternalCalendar.exists() and not await BusyBlock.filter(source_id=calendar.id).exists()
    assert [e.action for e in await AuditEvent.filter(object_type="external_calendar").order_by("id")] == [
        "external_calendar.add", "external_calendar.remove"]


async def test_internal_and_non_http_addresses_are_refused_clearly(client, now):
    await signed_in_as(client, now)
    for url in ("http://localhost:8080/cal.ics", "https://127.0.0.1/cal.ics", "http://169.254.169.254/latest",
                "https://[::1]/cal.ics", "http://10.0.0.5/cal.ics"):
        answer = await post_form(client, PAGE, practitioner="hugo-bernard", url=url, label="Bureau")
        assert answer.status_code == 422, url
        text = unescape(answer.text)
        assert "mène à un réseau interne ou réservé" in text and f'value="{url}"' in text and 'value="Bureau"' in text
    for url in ("file:///etc/passwd", "ftp://example.org/cal.ics", "pas une adresse"):
        answer = await post_form(client, PAGE, practitioner="hugo-bernard", url=url)
        assert answer.status_code == 422 and "commence par https://" in unescape(answer.text), url
    assert not await ExternalCalendar.exists()


async def test_an_operator_may_allow_internal_addresses(new_client, demo, now):
    async with new_client(CALENDAR_ALLOW_INTERNAL="true") as client:
        await signed_in_as(client, now)
        answer = await post_form(client, PAGE, practitioner="hugo-bernard", url="http://127.0.0.1:8080/cal.ics")
        assert answer.status_code == 303 and await ExternalCalendar.exists()


async def test_a_practitioner_removes_only_their_own_calendars(client, now):
    await signed_in_as(client, now, "camille@cabinet-des-lilas.example", "practitioner", practitioner="camille-martin")
    refused = await post_form(client, PAGE, practitioner="hugo-bernard", url="https://8.8.8.8/cal.ics")
    assert refused.status_code == 422 and "Choisissez le praticien." in unescape(refused.text)
    assert not await ExternalCalendar.exists()


async def test_removing_a_calendar_asks_for_confirmation_first(client, now):
    await signed_in_as(client, now)
    await post_form(client, PAGE, practitioner="camille-martin", url="https://8.8.8.8/private-abcdef/basic.ics",
                    label="Agenda perso")
    calendar = await ExternalCalendar.get()
    await BusyBlock.create(practitioner_id=calendar.practitioner_id, source_id=calendar.id, starts_at=now,
                           ends_at=now + timedelta(hours=1))
    asked = await post_form(client, PAGE, f"{PAGE}/{calendar.id}/remove")
    assert asked.status_code == 200
    text = unescape(asked.text)
    assert "Oui, retirer cet agenda" in text and "Agenda perso" in text and "Camille Martin" in text
    assert "private-abcdef" not in text  # the secret part of the address stays hidden
    assert 'name="confirmed" value="yes"' in text and f'href="{PAGE}"' in text
    assert await ExternalCalendar.exists() and await BusyBlock.filter(source_id=calendar.id).exists()
    assert not await AuditEvent.filter(action="external_calendar.remove").exists()
