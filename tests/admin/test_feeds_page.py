"""The calendar feeds page over HTTP, signed in: a feed is created, its addresses and QR code
shown once and working, a revealing level needs the warning acknowledged, rotate and revoke."""

from __future__ import annotations

import re
from html import unescape

from calendar_sync.models import FeedToken
from portal.audit.models import AuditEvent
from tests.admin.conftest import csrf_of, post_form, signed_in_as

FEEDS = "/admin/settings/feeds"


def feed_path(html: str) -> str:
    return re.search(r'value="https?://[^/"]+(/feeds/[\w-]+\.ics)"', html).group(1)


async def test_a_feed_is_created_shown_once_with_a_qr_code_and_works(client, now):
    await signed_in_as(client, now)
    answer = await post_form(client, FEEDS, practitioner="camille-martin", level="busy", label="Téléphone")
    assert answer.status_code == 200
    text = unescape(answer.text)
    assert 'value="webcal://' in text and "<svg" in text and "ne sera plus jamais affichée" in text
    path = feed_path(text)
    assert (await client.get(path)).status_code == 200  # the subscription answers
    listed = unescape((await client.get(FEEDS)).text)
    assert "Téléphone" in listed and path not in listed  # the address is never shown again
    assert await AuditEvent.filter(action="feed_token.create").count() == 1


async def test_a_level_with_patient_names_needs_the_warning_acknowledged(client, now):
    await signed_in_as(client, now)
    answer = await post_form(client, FEEDS, practitioner="camille-martin", level="full", label="Cabinet")
    assert answer.status_code == 422
    text = unescape(answer.text)
    assert "Cochez la case pour confirmer" in text and 'value="Cabinet"' in text
    assert re.search(r'value="full" checked', text)
    assert not await FeedToken.exists()
    accepted = await post_form(client, FEEDS, practitioner="camille-martin", level="full", label="Cabinet",
                               understood="1")
    assert accepted.status_code == 200 and (await FeedToken.get()).level == "full"


async def test_rotate_gives_a_new_address_and_revoke_ends_it(client, now):
    await signed_in_as(client, now)
    first = feed_path(unescape((await post_form(client, FEEDS, practitioner="hugo-bernard", level="busy")).text))
    token = await FeedToken.get(revoked_at=None)
    page = await client.get(FEEDS)
    rotated = await client.post(f"{FEEDS}/{token.id}/rotate", data={"csrf_token": csrf_of(page.text),
                                                                      "confirmed": "yes"})
    second = feed_path(unescape(rotated.text))
    assert second != first and (await client.get(first)).status_code == 404
    assert (await client.get(second)).status_code == 200
    current = await FeedToken.get(revoked_at=None)
    revoked = await client.post(f"{FEEDS}/{current.id}/revoke", data={"csrf_token": csrf_of(page.text),
                                                                        "confirmed": "yes"})
    assert revoked.status_code == 303 and (await client.get(second)).status_code == 404
    assert "Flux révoqué" in unescape((await client.get(revoked.headers["location"])).text)


async def test_an_assistant_has_no_feeds_page(client, now):
    await signed_in_as(client, now, "assistant@cabinet-des-lilas.example", "assistant", grants=("hugo-bernard",))
    assert (await client.get(FEEDS)).status_code == 404


async def test_revoke_and_new_address_ask_for_confirmation_first(client, now):
    """One tap on "Révoquer" or "Nouvelle adresse" used to end the practitioner's subscription
    at once: each now opens a page that says what stops working, nothing written until confirmed."""
    await signed_in_as(client, now)
    address = feed_path(unescape((await post_form(client, FEEDS, practitioner="hugo-bernard", level="busy",
                                                  label="Téléphone")).text))
    token = await FeedToken.get(revoked_at=None)
    events = await AuditEvent.all().count()
    for action, button in (("revoke", "Oui, révoquer ce flux"), ("rotate", "Oui, remplacer l’adresse")):
        asked = await post_form(client, FEEDS, f"{FEEDS}/{token.id}/{action}")
        assert asked.status_code == 200
        text = unescape(asked.text)
        assert button in text and "Téléphone" in text and "Hugo Bernard" in text
        assert "cessera de se mettre à jour" in text
        assert f'action="{FEEDS}/{token.id}/{action}"' in text and 'name="confirmed" value="yes"' in text
        assert f'href="{FEEDS}"' in text  # the way back keeps the feed
        assert await FeedToken.filter(revoked_at=None).count() == 1 and await AuditEvent.all().count() == events
        assert (await client.get(address)).status_code == 200
    confirmed = await client.post(f"{FEEDS}/{token.id}/revoke",
                                  data={"csrf_token": csrf_of((await client.get(FEEDS)).text), "confirmed": "yes"})
    assert confirmed.status_code == 303 and (await client.get(address)).status_code == 404
    again = await post_form(client, FEEDS, f"{FEEDS}/{token.id}/revoke")  # revoked: nothing to confirm
    assert again.status_code in (400, 404, 409)
