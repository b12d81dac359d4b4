"""Privacy centre fixtures: the patient pages' app and client, and a way to read the link the
worker e-mails (the real worker, memory or file channels)."""

from __future__ import annotations

import re

import pytest

from notifier.channels.memory import MemoryChannel
from notifier.worker import drain_once
from tests.patient_pages.conftest import app_factory, client, compiled_catalogs, csrf_token, frozen, make_client  # noqa: F401


@pytest.fixture
def channels() -> dict[str, MemoryChannel]:
    return {"email": MemoryChannel(), "sms": MemoryChannel()}


async def drain(app, channels, now) -> None:
    """Everything due now, through the real worker."""
    while (await drain_once(app.state.settings, channels, now=lambda: now)).claimed:
        pass


def body(message) -> str:
    """The text part of an e-mail, or an SMS's text."""
    if hasattr(message, "text"):
        return message.text
    for part in message.message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text part")


def link_in(message, path: str = "/privacy/c/") -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}[A-Za-z0-9_-]+)", body(message))
    assert match, body(message)
    return match.group(1)


async def open_centre(http, link: str):
    """Open a centre link the way a browser does: the page, then its button."""
    page = await http.get(link)
    assert page.status_code == 200, page.text
    opened = await http.post(link + "/open", data={"csrf_token": csrf_token(page.text)})
    assert opened.status_code == 303
    return await http.get(link)
