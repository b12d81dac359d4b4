"""The message settings page (issue 14 items 4 and 5): the SMS detail level, audited, and the
previews of every patient message made by the worker's rendering, for a sample appointment."""

from __future__ import annotations

from html import unescape

from portal.audit.models import AuditEvent
from portal.models import OutboxMessage, Practice
from tests.admin.conftest import post_form, signed_in_as

PAGE = "/admin/settings/messages"


async def test_the_page_shows_every_patient_message_and_its_sms_cost(client, now):
    await signed_in_as(client, now)
    page = await client.get(PAGE)
    assert page.status_code == 200, page.text
    text = unescape(page.text)
    open("/tmp/msgs/page.html", "w").write(page.text)
    assert "Camille Exemple" in text
    assert await OutboxMessage.all().count() == 0
