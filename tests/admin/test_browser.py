"""Real Chromium on a 390-pixel phone: signing in to the back-office with a password and a TOTP
code, the landing page, signing out; axe-core finds no serious or critical violation on the
sign-in, code and landing pages."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from creneau import database as db
from portal.practice.demo import load_demo
from tests.access.helpers import PASSWORD, add_staff, totp_code
from tests.concurrency.server import free_port, live_server
from tests.patient_pages.browser import PHONE, horizontal_overflow, launched_browser, screenshot, serious_violations

pytestmark = pytest.mark.browser
ADMIN = "admin@cabinet-des-lilas.example"


CODE_LABEL = "Code à 6 chiffres de votre application d’authentification"


def staff_database(path) -> tuple[str, list[str]]:
    """The demo with an administrator enrolled in TOTP; its recovery codes."""
    url = f"sqlite://{path}"

    async def prepare() -> list[str]:
        try:
            await db.migrate(url)
            await db.close()
            await db.init(url)
            await load_demo()
            _, codes = await add_staff(datetime.now(UTC), ADMIN, totp=True)  # the server runs on the real clock
            return codes
        finally:
            await db.close()

    with ThreadPoolExecutor(1) as pool:  # pytest-asyncio may have a loop running in this thread
        return url, pool.submit(asyncio.run, prepare()).result()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Served as http://localhost:PORT, BASE_URL included: a passkey's relying party must be a
    host name (WebAuthn refuses an IP address), and the browser's origin must be BASE_URL's."""
    var_dir = tmp_path_factory.mktemp("admin-browser")
    url, codes = staff_database(var_dir / "creneau.sqlite3")
    port = free_port()
    base = f"http://localhost:{port}"
    with live_server(url, var_dir, workers=1, port=port, INLINE_WORKERS="0", BASE_URL=base):
        yield base, codes


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def sign_in(page, base: str, code: str) -> None:
    page.goto(base + "/admin/")  # signed out: sent to the sign-in page
    assert page.url.endswith("/admin/login")
    page.get_by_label("Adresse e-mail").fill(ADMIN)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.get_by_label(CODE_LABEL).fill(code)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Bonjour").wait_for()
    assert page.url.endswith("/admin/")


def test_axe_finds_no_serious_violation_on_the_sign_in_pages(server):
    """axe is injected as a script: this context bypasses the CSP (the journey below keeps it)."""
    base, codes = server
    with launched_browser() as browser:
        context = browser.new_context(viewport=PHONE, locale="fr-FR", bypass_csp=True)
        context.set_default_timeout(10_000)
        page = context.new_page()
        found = {}
        try:
            page.goto(base + "/admin/login")
            found["login"] = serious_violations(page)
            page.get_by_label("Adresse e-mail").fill(ADMIN)
            page.get_by_label("Mot de passe").fill(PASSWORD)
            page.get_by_role("button", name="Se connecter", exact=True).click()
            page.get_by_label(CODE_LABEL).wait_for()
            found["code"] = serious_violations(page)
            page.get_by_label(CODE_LABEL).fill(codes[0])  # a recovery code this time
            page.keyboard.press("Enter")
            page.get_by_role("heading", name="Bonjour").wait_for()
            found["home"] = serious_violations(page)
            page.goto(base + "/admin/account/2fa")
            found["account"] = serious_violations(page)
        finally:
            context.close()
        assert found == {"login": [], "code": [], "home": [], "account": []}


def test_sign_in_with_password_and_totp_on_a_phone(server):
    base, _ = server
    with launched_browser() as browser:
        context = browser.new_context(viewport=PHONE, locale="fr-FR")
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors = watch_errors(page)
        try:
            page.goto(base + "/admin/login")
            assert horizontal_overflow(page) <= 0
            screenshot(page, "admin-login-390")
            sign_in(page, base, totp_code(datetime.now(UTC)))
            assert horizontal_overflow(page) <= 0
            screenshot(page, "admin-home-390")
            page.get_by_role("button", name="Se déconnecter").click()
            page.get_by_text("Vous êtes déconnecté.").wait_for()
            page.goto(base + "/admin/")
            assert page.url.endswith("/admin/login")
        finally:
            context.close()
        assert not errors, errors


def test_add_a_passkey_then_sign_in_with_it_alone(server):
    """Chromium's virtual authenticator (DevTools Protocol, WebAuthn domain) plays the phone or
    security key; the page keeps the real CSP, so the script is what production runs."""
    base, codes = server
    with launched_browser() as browser:
        context = browser.new_context(viewport=PHONE, locale="fr-FR")
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors = watch_errors(page)
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
            "isUserVerified": True, "automaticPresenceSimulation": True}})["authenticatorId"]
        try:
            sign_in(page, base, codes[1])
            page.goto(base + "/admin/account/2fa")
            assert page.get_by_text("Aucune clé d’accès pour l’instant.").is_visible()
            page.get_by_role("button", name="Ajouter une clé d’accès").click()
            page.get_by_text("Clé d’accès enregistrée.").wait_for()
            page.get_by_role("button", name="Se déconnecter").click()
            page.get_by_text("Vous êtes déconnecté.").wait_for()
            page.get_by_role("button", name="Se connecter avec une clé d’accès").click()
            page.get_by_role("heading", name="Bonjour").wait_for()
            assert page.url == base + "/admin/"
            credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
            assert len(credentials) == 1 and credentials[0]["isResidentCredential"]
        finally:
            context.close()
        assert not errors, errors
