"""Inviting a staff member over HTTP: the administrator invites, the e-mail leaves through the
outbox with a single-use link, the new member chooses a password and signs in with the role and
agendas given; a used or expired link is "not found"; the form is checked field by field."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from notifier.channels.memory import MemoryChannel
from notifier.worker import drain_once
from portal.access.models import StaffGrant, StaffInvitation, StaffUser
from portal.audit.models import AuditEvent
from portal.models import Practitioner
from tests.admin.conftest import post_form, sign_in, signed_in_as

STAFF = "/admin/settings/staff"


async def sent_link(client, now) -> str:
    channels = {"email": MemoryChannel(), "sms": MemoryChannel()}
    settings = client._transport.app.state.settings
    while (await drain_once(settings, channels, now=lambda: now)).claimed:
        pass
    (email,) = channels["email"].sent
    assert email.recipients == ("nouvelle@cabinet-des-lilas.example",)
    text = next(part for part in email.message.walk() if part.get_content_type() == "text/plain")
    return re.search(r"https?://\S+(/admin/invitation/[\w-]+)", text.get_payload(decode=True).decode()).group(1)


async def test_an_invited_assistant_creates_their_account_and_sees_the_agendas_given(client, new_client, clock, now):
    await signed_in_as(client, now)
    hugo = await Practitioner.get(slug="hugo-bernard")
    page = await client.get(STAFF)
    from tests.admin.conftest import csrf_of
    answer = await client.post(STAFF + "/invite", data={"csrf_token": csrf_of(page.text), "role": "assistant",
                                                        "email": "Nouvelle@Cabinet-des-Lilas.example",
                                                        "grants": [str(hugo.id)]})
    assert answer.status_code == 303 and answer.headers["location"] == STAFF + "?done=invited"
    link = await sent_link(client, now)
    async with new_client() as browser:
        opened = await browser.get(link)
        assert opened.status_code == 200 and "nouvelle@cabinet-des-lilas.example" in opened.text
        assert opened.headers["referrer-policy"] == "no-referrer"
        short = await post_form(browser, link, password="court", confirmation="court")
        assert short.status_code == 422 and "12 caractères au moins" in unescape(short.text)
        differ = await post_form(browser, link, password="un-long-mot-de-passe", confirmation="un-autre-mot-de-passe")
        assert differ.status_code == 422 and "ne sont pas identiques" in unescape(differ.text)
        created = await post_form(browser, link, password="un-long-mot-de-passe", confirmation="un-long-mot-de-passe")
        assert created.status_code == 303
        assert "Votre compte est créé" in unescape((await browser.get(created.headers["location"])).text)
        user = await StaffUser.get(email="nouvelle@cabinet-des-lilas.example")
        assert user.role == "assistant"
        assert await StaffGrant.filter(staff_id=user.id).values_list("practitioner_id", flat=True) == [hugo.id]
        assert (await browser.get(link)).status_code == 404  # single use
        signed = await sign_in(browser, "nouvelle@cabinet-des-lilas.example", "un-long-mot-de-passe")
        assert signed.headers["location"] == "/admin/"
    assert await AuditEvent.filter(action="staff.invite").exists()
    assert await AuditEvent.filter(action="staff.create", object_id=user.id).exists()


async def test_an_expired_invitation_is_not_found(client, new_client, clock, now):
    await signed_in_as(client, now)
    await post_form(client, STAFF, STAFF + "/invite", email="nouvelle@cabinet-des-lilas.example", role="admin")
    link = await sent_link(client, now)
    clock.now = now + timedelta(days=3, minutes=1)
    async with new_client() as browser:
        assert (await browser.get(link)).status_code == 404
    assert not await StaffUser.filter(email="nouvelle@cabinet-des-lilas.example").exists()


async def test_the_invitation_form_is_checked_field_by_field(client, now):
    await signed_in_as(client, now)
    answer = await post_form(client, STAFF, STAFF + "/invite", email="pas-une-adresse", role="practitioner")
    assert answer.status_code == 422
    text = unescape(answer.text)
    assert "Cette adresse e-mail n'est pas valide." in text and "Un compte praticien désigne son praticien." in text
    assert 'value="pas-une-adresse"' in text
    taken = await post_form(client, STAFF, STAFF + "/invite", email="admin@cabinet-des-lilas.example", role="admin")
    assert taken.status_code == 422 and "Un compte existe déjà" in unescape(taken.text)
    assert not await StaffInvitation.exists()
