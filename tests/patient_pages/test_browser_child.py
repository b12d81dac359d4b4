"""A child's booking in real Chromium at 390 px (issue 14 item 4): the form for a service for
children passes axe-core empty and with its errors, fits a phone, keeps what was typed, and
books the child with the accompanying adult."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.concurrency.server import live_server
from tests.patient_pages.browser import (
    PHONE,
    demo_database,
    horizontal_overflow,
    screenshot,
    serious_violations,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("browser-child")
    url = demo_database(var_dir / "creneau.sqlite3")
    with sqlite3.connect(var_dir / "creneau.sqlite3") as conn:  # Hugo's consultation: adults and children
        conn.execute("UPDATE service SET audience = 'all' WHERE slug = 'consultation' AND practitioner_id = "
                     "(SELECT id FROM practitioner WHERE slug = 'hugo-bernard')")
    conn.close()
    with live_server(url, var_dir, workers=1, INLINE_WORKERS="0") as running:
        yield running.url


def test_the_child_booking_form_passes_axe_at_390_px_and_books_the_child(browser, server):
    # axe is injected as a script: this context bypasses the CSP to allow it.
    context = browser.new_context(viewport=PHONE, locale="fr-FR", bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(server + "/p/camille-martin")
        assert page.get_by_text("Pour les enfants").first.is_visible()
        page.get_by_role("link", name=re.compile("Consultation enfant")).click()
        page.get_by_role("link", name="Premier créneau disponible").click()
        page.get_by_role("link", name="Semaine suivante").click()  # beyond the cut-off, whatever the time
        page.locator("a.slot").first.click()
        page.get_by_label("Prénom de l’enfant").wait_for()
        assert page.get_by_label("Date de naissance", exact=True).count() == 0  # not the adult's
        assert serious_violations(page) == []
        assert horizontal_overflow(page) <= 0
        screenshot(page, "child-form.fr.390")

        page.get_by_label("Prénom de l’enfant").fill("Léa")
        page.get_by_label("Nom de l’enfant", exact=True).fill("Durand")
        page.get_by_label("Date de naissance de l’enfant").fill("03/05/1990")  # an adult: refused
        page.get_by_label("Madame").check()
        page.get_by_label("Prénom", exact=True).fill("Marie")
        page.get_by_label("Nom", exact=True).fill("Durand")
        page.get_by_label("Adresse e-mail").fill("marie@example.org")
        page.get_by_label("Téléphone", exact=True).fill("06 12 34 56 78")
        page.get_by_label(re.compile("politique de confidentialité")).check()
        page.get_by_role("button", name="Confirmer le rendez-vous").click()
        page.locator(".error-summary").wait_for()
        birth = page.get_by_label("Date de naissance de l’enfant")
        assert birth.input_value() == "03/05/1990" and birth.get_attribute("aria-invalid") == "true"
        assert "18 ans ou plus" in page.locator("#child_birth_date-error").inner_text()
        assert page.evaluate("document.activeElement.id") == "child_birth_date"
        assert page.get_by_label("Prénom", exact=True).input_value() == "Marie"
        assert serious_violations(page) == []
        assert horizontal_overflow(page) <= 0
        screenshot(page, "child-form-errors.fr.390")

        birth.fill("03/05/2018")
        page.get_by_label(re.compile("politique de confidentialité")).check()
        page.get_by_role("button", name="Confirmer le rendez-vous").click()
        page.get_by_role("heading", name="Votre rendez-vous est réservé").wait_for()
        assert horizontal_overflow(page) <= 0
    finally:
        context.close()


def test_a_service_for_adults_and_children_shows_only_the_fields_that_apply(browser, server):
    context = browser.new_context(viewport=PHONE, locale="fr-FR", bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(server + "/p/hugo-bernard")
        page.get_by_role("link", name=re.compile("^Consultation")).first.click()
        page.get_by_role("link", name="Premier créneau disponible").click()
        page.get_by_role("link", name="Semaine suivante").click()
        page.locator("a.slot").first.click()
        yourself, child = page.get_by_label("Vous-même"), page.get_by_label("Un enfant que vous accompagnez")
        adult_birth = page.get_by_label(re.compile("Votre date de naissance"))
        assert yourself.is_checked()
        assert page.get_by_label("Prénom de l’enfant").is_hidden() and adult_birth.is_visible()
        child.check()
        assert page.get_by_label("Prénom de l’enfant").is_visible() and adult_birth.is_hidden()
        assert serious_violations(page) == []
        assert horizontal_overflow(page) <= 0
        yourself.check()
        assert page.get_by_label("Prénom de l’enfant").is_hidden() and adult_birth.is_visible()
    finally:
        context.close()
