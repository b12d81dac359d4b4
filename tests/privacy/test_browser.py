"""The privacy centre in real Chromium, on a 390-pixel phone, in French: ask for the link, open
it, see everything, download it, correct the e-mail (confirmed from the new address), withdraw
SMS reminders, erase. axe-core finds nothing serious or critical on any of these pages."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import SECRET_KEY
from tests.concurrency.server import live_server
from tests.patient_pages.browser import (
    PHONE,
    demo_database,
    horizontal_overflow,
    screenshot,
    serious_violations,
)
from tests.patient_pages.test_browser import book_by_mouse

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("privacy-browser")
    url = demo_database(var_dir / "creneau.sqlite3")
    env = dict(INLINE_WORKERS="0", EMAIL_BACKEND="file", SMS_BACKEND="file")
    with live_server(url, var_dir, workers=1, **env) as running:
        yield running.url, url, var_dir, env


def send_outbox(site) -> None:
    """What `creneau worker` would do next: one batch, in its own process."""
    base, database_url, var_dir, env = site
    environ = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=SECRET_KEY, CRENEAU_VAR_DIR=str(var_dir),
                   BASE_URL=base, **env)
    subprocess.run([sys.executable, "-m", "creneau.cli", "worker", "--once"], env=environ, check=True,
                   capture_output=True, timeout=60)


def last_link(var_dir: Path, path: str) -> str:
    for file in sorted((var_dir / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
        message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",)).get_content()
        found = re.search(rf"https?://[^/\s]+({re.escape(path)}[A-Za-z0-9_-]+)", text)
        if found:
            return found.group(1)
    raise AssertionError(f"no e-mail with a {path} link")


def audit(page, name: str, found: dict) -> None:
    found[name] = serious_violations(page)
    assert horizontal_overflow(page) <= 0, f"{name} scrolls sideways at 390 px"
    screenshot(page, f"privacy-{name}.fr.390")


def test_every_right_from_a_phone_in_french(browser, site, tmp_path):
    base, _, var_dir, _ = site
    # axe is injected as a script: this context bypasses the CSP to allow it.
    context = browser.new_context(viewport=PHONE, locale="fr-FR", bypass_csp=True, accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    found: dict = {}
    book_by_mouse(page, base, next_week=True)
    page.get_by_role("button", name="Recevoir le lien vers mon espace confidentialité").wait_for()

    page.goto(base + "/privacy/access")
    audit(page, "access", found)
    page.get_by_label("Adresse e-mail").fill("elise@example.org")
    page.get_by_role("button", name="Recevoir mon lien").click()
    page.get_by_role("heading", name="Vérifiez votre messagerie").wait_for()
    audit(page, "sent", found)
    send_outbox(site)

    page.goto(base + last_link(var_dir, "/privacy/c/"))
    audit(page, "open", found)
    page.get_by_role("button", name="Ouvrir mon espace confidentialité").click()
    page.get_by_role("heading", name="Mon espace confidentialité").wait_for()
    assert page.get_by_text("Durand-Lefèvre").first.is_visible()
    audit(page, "centre", found)

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger mes données (JSON)").click()
    saved = tmp_path / "export.json"
    download.value.save_as(saved)
    assert json.loads(saved.read_text())["patients"][0]["email"] == "elise@example.org"

    page.get_by_label("Nouvelle adresse e-mail").fill("elise.nouvelle@example.org")
    page.locator("form[action$='/contact/email'] button").click()
    page.get_by_text("Un lien de confirmation est envoyé à la nouvelle adresse").wait_for()
    send_outbox(site)
    centre_url = page.url.split("?")[0]
    page.goto(base + last_link(var_dir, "/privacy/confirm/"))
    page.get_by_role("button", name="Confirmer").click()
    page.get_by_role("heading", name="Coordonnées confirmées").wait_for()
    audit(page, "confirmed", found)

    page.goto(centre_url)
    assert page.get_by_text("elise.nouvelle@example.org").is_visible()
    page.get_by_role("button", name="Retirer les rappels par SMS").click()  # booked with e-mail reminders only
    page.get_by_text("Vous n'aviez pas de rappels par SMS : rien n'est changé.").wait_for()
    page.get_by_role("button", name="Retirer les rappels par e-mail").click()
    page.get_by_text("Les rappels par e-mail sont retirés").wait_for()

    page.get_by_role("button", name="Effacer mes données").click()  # not confirmed: refused, said why
    page.locator(".error-summary").wait_for()
    audit(page, "erase-refused", found)
    page.get_by_label("Je comprends que l'effacement est définitif.").check()
    page.get_by_role("button", name="Effacer mes données").click()
    page.get_by_role("heading", name="Vos données sont effacées").wait_for()
    audit(page, "erased", found)
    assert page.goto(centre_url).status == 404
    context.close()
    assert {name: v for name, v in found.items() if v} == {}
