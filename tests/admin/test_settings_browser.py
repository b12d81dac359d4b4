"""Real Chromium on a 390-pixel phone and a 1280-pixel desktop over the settings pages (issue 14): the practice settings
(with an error, then saved), a calendar feed created with its warning and QR code, an external
calendar refused, the practitioners, an hours grid with an error, the services, the staff page
with an invitation refused, the message log with a test e-mail; no horizontal scrolling of the
page, and axe-core finds no serious or critical violation on any of them."""

from __future__ import annotations

import pytest

from tests.access.helpers import PASSWORD
from tests.admin.test_browser import ADMIN, CODE_LABEL, server
from tests.patient_pages.browser import (
    DESKTOP,
    PHONE,
    horizontal_overflow,
    launched_browser,
    screenshot,
    serious_violations,
)

__all__ = ["server"]
pytestmark = pytest.mark.browser


def sign_in_with_recovery_code(page, base: str, code: str) -> None:
    page.goto(base + "/admin/login")
    page.get_by_label("Adresse e-mail").fill(ADMIN)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.get_by_label(CODE_LABEL).fill(code)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Bonjour").wait_for()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_the_settings_pages_with_axe(server, viewport):
    base, codes = server
    found, overflow = {}, {}
    width = viewport["width"]

    def audit(name: str) -> None:
        found[name] = serious_violations(page)
        overflow[name] = horizontal_overflow(page)
        screenshot(page, f"admin-{name}-{width}")

    with launched_browser() as browser:
        context = browser.new_context(viewport=viewport, locale="fr-FR", bypass_csp=True)  # axe is injected
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            # A recovery code serves once: each viewport signs in with its own.
            sign_in_with_recovery_code(page, base, codes[-1] if viewport is PHONE else codes[-2])
            menu = page.get_by_role("navigation", name="Menu de l’espace cabinet")
            menu.get_by_role("link", name="Réglages").click()
            page.get_by_role("heading", name="Réglages du cabinet").wait_for()
            audit("settings")
            page.get_by_label("Nom du cabinet").fill("")
            page.get_by_label("Rappels par SMS (heures avant, séparées par des virgules)").fill("12")
            page.get_by_role("button", name="Enregistrer").click()
            page.get_by_role("heading", name="Certaines informations sont à corriger").wait_for()
            assert page.get_by_label("Rappels par SMS (heures avant, séparées par des virgules)").input_value() == "12"
            audit("settings-errors")
            page.get_by_label("Nom du cabinet").fill("Cabinet des Lilas")
            page.get_by_label("Rappels par SMS (heures avant, séparées par des virgules)").fill("48")
            page.get_by_label("Accès (étage, digicode, transports)").fill("2e étage, porte gauche")
            page.get_by_label("Jours fériés appliqués").select_option("57")
            page.get_by_role("button", name="Enregistrer").click()
            page.get_by_text("Réglages enregistrés.").wait_for()

            page.get_by_role("link", name="Flux d’agenda").click()
            audit("feeds")
            page.get_by_label("Nom, prestation, téléphone et commentaire du patient").check()
            page.get_by_role("button", name="Créer le flux").click()
            page.get_by_role("heading", name="Certaines informations sont à corriger").wait_for()
            audit("feeds-errors")
            page.get_by_label("J’ai compris : les informations des patients seront copiées chez ce fournisseur.").check()
            page.get_by_role("button", name="Créer le flux").click()
            page.get_by_role("heading", name="Votre nouvelle adresse d’abonnement").wait_for()
            assert page.get_by_label("Pour s’abonner depuis un téléphone ou un ordinateur (webcal)").input_value(
                ).startswith("webcal://")
            audit("feeds-issued")

            page.get_by_role("link", name="Agendas externes").click()
            page.get_by_label("Adresse iCal de l’agenda").fill("http://127.0.0.1:8080/cal.ics")
            page.get_by_role("button", name="Ajouter l’agenda").click()
            page.get_by_role("heading", name="Certaines informations sont à corriger").wait_for()
            audit("calendars-errors")

            page.get_by_role("link", name="Praticiens").first.click()
            audit("practitioners")
            page.get_by_role("link", name="Horaires et pauses – Hugo Bernard").click()
            page.get_by_label("Horaires d’ouverture").nth(2).fill("14:00-12:00")
            page.get_by_role("button", name="Enregistrer les horaires").click()
            page.get_by_role("heading", name="Certaines informations sont à corriger").wait_for()
            assert page.get_by_label("Horaires d’ouverture").nth(2).input_value() == "14:00-12:00"
            audit("hours-errors")
            page.goto(base + page.url.split(base, 1)[1].replace("/hours", "/services"))
            audit("services")
            page.goto(base + page.url.split(base, 1)[1].replace("/services", ""))
            page.get_by_label("Nouvelle photo").set_input_files(
                {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo"})
            page.get_by_role("button", name="Envoyer la photo").click()
            page.get_by_text("Ce fichier n'est pas une image JPEG, PNG ou WebP lisible.").wait_for()
            page.get_by_label("Espagnol", exact=False).first.check()
            audit("profile-photo-errors")

            page.goto(base + "/admin/settings/staff")
            page.get_by_label("Adresse e-mail").fill("pas-une-adresse")
            page.get_by_role("button", name="Envoyer l’invitation").click()
            page.get_by_role("heading", name="Certaines informations sont à corriger").wait_for()
            audit("staff-errors")

            menu.get_by_role("link", name="Messages").click()
            page.get_by_role("button", name="Envoyer un e-mail d’essai").click()
            page.get_by_text("Message d’essai mis en file").wait_for()
            audit("messages")
        finally:
            context.close()
    assert found == {name: [] for name in found}, found
    assert {name: value for name, value in overflow.items() if value > 0} == {}
