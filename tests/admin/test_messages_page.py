"""The message log over HTTP, signed in: every message of the practice with its state, never a
body; paginated; a failed one retried (audited); out of scope is not found."""

from __future__ import annotations

import re
from html import unescape

from notifier.admin_views import _cursor
from portal.audit.models import AuditEvent
from portal.messaging.log import PAGE_SIZE
from portal.models import OutboxMessage, OutboxStatus
from tests.admin.conftest import csrf_of, signed_in_as
from tests.builders import book, paris


async def test_the_log_lists_messages_with_their_state_and_no_body(client, now):
    await book(paris(2026, 12, 2, 10), now, practitioner="camille-martin", service="consultation-adulte")
    message = await OutboxMessage.filter(channel="email").order_by("id").first()
    await OutboxMessage.filter(id=message.id).update(status=OutboxStatus.FAILED, attempts=3,
                                                     last_error="550 mailbox unavailable")
    await signed_in_as(client, now)
    page = unescape((await client.get("/admin/messages")).text)
    assert "550 mailbox unavailable" in page and "failed" in page and f"/admin/messages/{message.id}/retry" in page
    assert "Bonjour" not in page  # no message text: the outbox holds none
    only_failed = unescape((await client.get("/admin/messages?status=failed")).text)
    assert only_failed.count("/retry") == 1 and "pending" not in only_failed.split("<tbody>")[1]


async def test_a_failed_message_is_retried_and_the_retry_audited(client, now):
    await book(paris(2026, 12, 2, 10), now, practitioner="camille-martin", service="consultation-adulte")
    message = await OutboxMessage.filter(channel="email").order_by("id").first()
    await OutboxMessage.filter(id=message.id).update(status=OutboxStatus.DEAD, last_error="timeout")
    await signed_in_as(client, now)
    page = await client.get("/admin/messages")
    answer = await client.post(f"/admin/messages/{message.id}/retry", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/messages?done=retried"
    assert (await OutboxMessage.get(id=message.id)).status == OutboxStatus.PENDING
    event = await AuditEvent.get(action="message.retry")
    assert event.object_id == message.id
    again = await client.post(f"/admin/messages/{message.id}/retry", data={"csrf_token": csrf_of(page.text)})
    assert again.status_code == 409 and "ne peut plus être renvoyé" in unescape(again.text)
    missing = await client.post("/admin/messages/999999/retry", data={"csrf_token": csrf_of(page.text)})
    assert missing.status_code == 404


async def test_the_log_is_paginated(client, now):
    """Keyset pages (issue 16): cut at the page size, the next page continues where the first
    ended without overlap, even when messages arrive in between; and back again."""
    await book(paris(2026, 12, 2, 10), now, practitioner="camille-martin", service="consultation-adulte")
    model = await OutboxMessage.first()

    async def add(count: int, tag: str) -> None:
        for number in range(count):
            await OutboxMessage.create(practice_id=model.practice_id, appointment_id=model.appointment_id,
                                       kind="reminder", channel="email", dedupe_key=f"{tag}-{number}", due_at=now,
                                       expires_at=model.expires_at, next_attempt_at=now)

    await add(PAGE_SIZE + 5, "test")
    total = await OutboxMessage.all().count()
    await signed_in_as(client, now)
    first = unescape((await client.get("/admin/messages")).text)
    assert first.count("<tr>") == PAGE_SIZE + 1 and 'rel="prev"' not in first
    following = re.search(r'href="(/admin/messages\?before=\d+)" rel="next"', first).group(1)
    await add(3, "meanwhile")  # newer messages do not push the first page's last rows onto the next
    second = unescape((await client.get(following)).text)
    assert second.count("<tr>") == total - PAGE_SIZE + 1 and 'rel="next"' not in second
    shown = [_row_ids(first), _row_ids(second)]
    assert not set(shown[0]) & set(shown[1]) and len(shown[0] + shown[1]) == total
    back = re.search(r'href="(/admin/messages\?after=\d+)" rel="prev"', second).group(1)
    assert _row_ids(unescape((await client.get(back)).text)) == shown[0]


def _row_ids(page: str) -> list[str]:
    return re.findall(r"<tr>\s*<td>(\d+)</td>", page)


async def test_an_assistant_sees_only_the_messages_of_the_agendas_granted(client, now):
    await book(paris(2026, 12, 2, 10), now, practitioner="camille-martin", service="consultation-adulte")
    camille = await OutboxMessage.filter(appointment__practitioner__slug="camille-martin").first()
    await OutboxMessage.filter(id=camille.id).update(status=OutboxStatus.FAILED)
    await signed_in_as(client, now, "assistant@cabinet-des-lilas.example", "assistant", grants=("hugo-bernard",))
    page = await client.get("/admin/messages")
    assert "Aucun message." in unescape(page.text)
    refused = await client.post(f"/admin/messages/{camille.id}/retry", data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 404 and (await OutboxMessage.get(id=camille.id)).status == OutboxStatus.FAILED


async def test_a_test_email_and_sms_go_through_the_outbox_to_the_practice(client, now):
    from notifier.channels.memory import MemoryChannel
    from notifier.worker import drain_once
    from tests.admin.conftest import post_form
    await signed_in_as(client, now)
    for channel in ("email", "sms"):
        answer = await post_form(client, "/admin/messages", "/admin/messages/test", channel=channel)
        assert answer.status_code == 303 and answer.headers["location"] == "/admin/messages?done=test"
    channels = {"email": MemoryChannel(), "sms": MemoryChannel()}
    settings = client._transport.app.state.settings
    while (await drain_once(settings, channels, now=lambda: now)).claimed:
        pass
    email, sms = channels["email"].sent[0], channels["sms"].sent[0]
    assert email.recipients == ("contact@cabinet-des-lilas.example",) and str(email.message["Subject"]) == "Message d'essai de Créneau"
    assert sms.to == "+33142000000" and "SMS" in sms.text
    statuses = await OutboxMessage.filter(kind="config_check").values_list("status", flat=True)
    assert sorted(statuses) == ["sent", "sent"]
    assert await AuditEvent.filter(action="message.config_check").count() == 2
    page = unescape((await client.get("/admin/messages")).text)
    assert page.count("config_check") == 2


async def test_a_test_message_needs_the_practice_address(client, now):
    from portal.models import Practice
    from tests.admin.conftest import post_form
    await Practice.filter(slug="cabinet-des-lilas").update(phone="")
    await signed_in_as(client, now)
    answer = await post_form(client, "/admin/messages", "/admin/messages/test", channel="sms")
    assert answer.status_code == 422 and "numéro de téléphone du cabinet" in unescape(answer.text)
    assert not await OutboxMessage.filter(kind="config_check").exists()



def test_a_message_id_past_what_a_key_holds_is_ignored():
    """?before=/?after= come from the browser: PostgreSQL refused an id past int32 (a 500); such
    a cursor, like any that is not an id, opens the first page."""
    assert _cursor("12") == 12 and _cursor(str(2**31 - 1)) == 2**31 - 1
    assert [_cursor(raw) for raw in ("3000000000", "999999999999", "0", "１２", "", None)] == [None] * 6


async def test_the_log_shows_times_in_the_practice_s_zone(client, now):
    """Stored times are UTC; the practice reads its own clock (08:00 UTC is 09:00 in Paris in
    November), and an English reader gets a date that is not ambiguous."""
    await book(paris(2026, 12, 2, 10), now, practitioner="camille-martin", service="consultation-adulte")
    await OutboxMessage.all().update(created_at=now, due_at=now)
    await signed_in_as(client, now)
    page = unescape((await client.get("/admin/messages")).text)
    assert "30/11/2026 09:00" in page and "08:00" not in page.split("<tbody>")[1]
    english = unescape((await client.get("/admin/messages?lang=en")).text)
    assert "30 Nov 2026, 09:00" in english
