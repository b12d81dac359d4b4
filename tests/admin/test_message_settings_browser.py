"""Real Chromium on a 390-pixel phone over the message settings page (issue 14 items 4 and 5):
the SMS level changed with the keyboard-reachable radio buttons, the previews of another service
in English; no horizontal scrolling (long links wrap), and axe-core finds no serious or critical
violation."""

from __future__ import annotations

import pytest

from tests.admin.test_browser import server
from tests.admin.test_settings_browser import sign_in_with_recovery_code
from tests.patient_pages.browser import PHONE, horizontal_overflow, launched_browser, screenshot, serious_violations

__all__ = ["server"]
pytestmark = pytest.mark.browser


def test_the_message_settings_on_a_phone_with_axe(server):
    base, codes = server
    found, overflow = {}, {}

    def audit(name: str) -> None:
        found[name] = serious_violations(page)
        overflow[name] = horizontal_overflow(page)
        screenshot(page, f"admin-{name}-390")

    with launched_browser() as browser:
        context = browser.new_context(viewport=PHONE, locale="fr-FR", bypass_csp=True)  # axe is injected
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            sign_in_with_recovery_code(page, base, codes[-1])
            page.goto(base + "/admin/settings")
            page.get_by_role("navigation", name="Sections des réglages").get_by_role(
                "link", name="Messages aux patients").click()
            page.get_by_role("heading", name="Aperçu des messages").wait_for()
            audit("message-settings")
            assert "Camille" not in page.locator("pre").nth(1).inner_text()  # minimal: no practitioner
            page.get_by_label("Standard : aussi le nom du praticien").check()
            page.get_by_role("button", name="Enregistrer").click()
            page.get_by_text("Réglages enregistrés.").wait_for()
            assert "Camille Martin" in page.locator("pre").nth(1).inner_text()  # the confirmation SMS
            page.get_by_label("Prestation", exact=True).select_option(label="Test de l'audition · Hugo Bernard")
            page.get_by_label("Langue du patient").select_option("en")
            page.get_by_role("button", name="Voir l’aperçu").click()
            page.get_by_text("Appointment confirmed").first.wait_for()
            audit("message-previews-english")
        finally:
            context.close()
    assert {name: v for name, v in found.items() if v} == {}
    assert {name: v for name, v in overflow.items() if v} == {}
