"""Signing in with OpenID Connect through authlib's real Starlette client, against the provider
in oidc_provider.py: success (by verified e-mail, then by the linked subject), and refusals for
a bad signature, a wrong audience, a wrong issuer or nonce, an expired token, a replayed state,
an unverified e-mail and an unknown identity."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx2
import pytest

from portal.access.models import StaffSession, StaffUser
from portal.models import AuditEvent
from tests.access.helpers import add_staff
from tests.admin.conftest import http_client
from tests.admin.oidc_provider import CLIENT_ID, CLIENT_SECRET, ISSUER, Provider

ADMIN = "admin@cabinet-des-lilas.example"


@pytest.fixture(scope="module")
def provider_keys():
    """RSA keys are slow to make: once for the module."""
    first = Provider()
    return first.key, first.other_key


@pytest.fixture
def provider(provider_keys) -> Provider:
    return Provider(key=provider_keys[0], other_key=provider_keys[1])


@pytest.fixture
async def oidc_client(admin_app, demo, provider):
    app = admin_app(OIDC_ISSUER=ISSUER, OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET,
                    OIDC_PROVIDER_NAME="Santé Connect Test")
    app.state.oidc_client_kwargs = {"transport": httpx2.ASGITransport(app=provider.app)}
    async with http_client(app) as client:
        yield client


async def authorize(client, provider: Provider) -> str:
    """Start from the sign-in button, let the provider approve; the callback path (not called)."""
    start = await client.get("/admin/oidc/start")
    assert start.status_code == 302 and start.headers["location"].startswith(f"{ISSUER}/authorize?")
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=provider.app)) as browser_at_provider:
        approved = await browser_at_provider.get(start.headers["location"])
    back = urlsplit(approved.headers["location"])
    assert back.path == "/admin/oidc/callback"
    return f"{back.path}?{back.query}"


async def sign_in_with_provider(client, provider: Provider):
    return await client.get(await authorize(client, provider))


async def test_the_login_page_offers_the_provider(oidc_client):
    page = await oidc_client.get("/admin/login")
    assert "Se connecter avec Santé Connect Test" in page.text and 'href="/admin/oidc/start"' in page.text


async def test_a_verified_email_signs_in_and_links_the_subject(oidc_client, provider, clock):
    user, _ = await add_staff(clock.now, ADMIN)
    answer = await sign_in_with_provider(oidc_client, provider)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/"
    assert (await oidc_client.get("/admin/")).status_code == 200
    linked = await StaffUser.get(id=user.id)
    assert (linked.oidc_issuer, linked.oidc_subject) == (ISSUER, "user-123")
    assert await AuditEvent.filter(action="staff.sign_in", object_id=user.id).values_list("detail", flat=True) == [
        {"source": "oidc"}]
    # Later the subject alone is enough, whatever address the provider now gives.
    provider.identity = {"sub": "user-123", "email": "renamed@example.org", "email_verified": False}
    async with http_client(oidc_client._transport.app) as other:
        assert (await sign_in_with_provider(other, provider)).headers["location"] == "/admin/"


async def test_the_state_cookie_is_only_sent_under_admin_oidc(oidc_client, clock):
    start = await oidc_client.get("/admin/oidc/start")
    cookie = start.headers["set-cookie"].lower()
    assert cookie.startswith("creneau_oidc=") and "path=/admin/oidc" in cookie and "httponly" in cookie
    patient_page = await oidc_client.get("/")
    assert "creneau_oidc" not in patient_page.headers.get("set-cookie", "")
    assert "session" not in patient_page.headers.get("set-cookie", "")


@pytest.mark.parametrize("misbehave", ["bad_signature", "wrong_audience", "wrong_audience_with_azp", "expired", "wrong_issuer", "wrong_nonce"])
async def test_a_bad_id_token_is_refused(oidc_client, provider, clock, misbehave):
    await add_staff(clock.now, ADMIN)
    provider.misbehave = misbehave
    answer = await sign_in_with_provider(oidc_client, provider)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/login?error=oidc"
    assert provider.tokens_issued == 1  # refused after the token endpoint answered: the ID token itself
    assert await StaffSession.all().count() == 0
    assert (await oidc_client.get("/admin/")).headers["location"].startswith("/admin/login")
    page = await oidc_client.get(answer.headers["location"])
    assert "La connexion par votre fournisseur d&#39;identité n&#39;a pas abouti" in page.text
    assert await AuditEvent.filter(action="staff.sign_in_failed").values_list("detail", flat=True) == [
        {"source": "oidc"}]


async def test_a_replayed_state_is_refused(oidc_client, provider, clock):
    await add_staff(clock.now, ADMIN)
    callback = await authorize(oidc_client, provider)
    assert (await oidc_client.get(callback)).headers["location"] == "/admin/"
    replayed = await oidc_client.get(callback)
    assert replayed.headers["location"] == "/admin/login?error=oidc"


async def test_a_callback_from_another_browser_is_refused(oidc_client, provider, clock):
    """Login CSRF: an attacker's own callback URL, opened in the victim's browser."""
    await add_staff(clock.now, ADMIN)
    attackers = await authorize(oidc_client, provider)
    async with http_client(oidc_client._transport.app) as victim:
        refused = await victim.get(attackers)
    assert refused.headers["location"] == "/admin/login?error=oidc"
    assert provider.tokens_issued == 0


async def test_an_unverified_email_or_unknown_identity_opens_nothing(oidc_client, provider, clock):
    await add_staff(clock.now, ADMIN)
    provider.identity = {"sub": "someone", "email": ADMIN, "email_verified": False}
    assert (await sign_in_with_provider(oidc_client, provider)).headers["location"] == "/admin/login?error=oidc_unknown"
    provider.identity = {"sub": "someone", "email": "stranger@example.org", "email_verified": True}
    assert (await sign_in_with_provider(oidc_client, provider)).headers["location"] == "/admin/login?error=oidc_unknown"
    assert (await StaffUser.get(email=ADMIN)).oidc_subject is None


async def test_a_disabled_account_is_not_opened_by_its_provider(oidc_client, provider, clock):
    from portal.access import accounts
    from tests.builders import system

    user, _ = await add_staff(clock.now, ADMIN)
    await accounts.disable(system(clock.now), user)
    assert (await sign_in_with_provider(oidc_client, provider)).headers["location"] == "/admin/login?error=oidc_unknown"


async def test_without_settings_there_is_no_provider_button(client):
    assert "/admin/oidc/start" not in (await client.get("/admin/login")).text
    assert (await client.get("/admin/oidc/start")).headers["location"] == "/admin/login"


async def test_a_provider_that_is_down_gives_a_message_not_an_error(admin_app, demo):
    def down(request):
        raise httpx2.ConnectError("connection refused", request=request)

    app = admin_app(OIDC_ISSUER=ISSUER, OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET)
    app.state.oidc_client_kwargs = {"transport": httpx2.MockTransport(down)}
    async with http_client(app) as client:
        answer = await client.get("/admin/oidc/start")
        assert answer.status_code == 303 and answer.headers["location"] == "/admin/login?error=oidc"
