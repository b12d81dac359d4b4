"""Real Chromium on a 390-pixel phone through a practice's day: sign in, see the week, take a
phone booking from a free slot, mark the attendance, cancel as the practice once it confirms (the
patient's notice waits in the outbox); axe-core finds no serious or critical violation on any back-office
page visited, and no page scrolls sideways."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from urllib.request import Request, urlopen

import pytest

from tests.access.helpers import totp_code
from tests.admin.test_browser import sign_in, staff_database, watch_errors
from tests.builders import consents, patient
from tests.concurrency.server import free_port, live_server
from tests.patient_pages.browser import PHONE, horizontal_overflow, launched_browser, screenshot, serious_violations

pytestmark = pytest.mark.browser
TABLET = {"width": 820, "height": 1180}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("backoffice-browser")
    url, codes = staff_database(var_dir / "creneau.sqlite3")
    port = free_port()
    base = f"http://localhost:{port}"
    with live_server(url, var_dir, workers=1, port=port, INLINE_WORKERS="0", BASE_URL=base):
        yield base, url, codes


def outbox_of(database_url: str, appointment_id: int) -> set[tuple[str, str]]:
    with sqlite3.connect(database_url.removeprefix("sqlite://")) as connection:
        rows = connection.execute("SELECT kind, audience FROM outbox_message WHERE appointment_id = ?",
                                  (appointment_id,)).fetchall()
    return set(rows)


def audited(page, name: str, found: dict) -> None:
    page.wait_for_load_state()
    found[name] = serious_violations(page)
    assert horizontal_overflow(page) <= 0, name
    screenshot(page, f"admin-{name}-390")


def test_a_practice_day_on_a_phone(served):
    """axe is injected as a script: this context bypasses the CSP (the next test keeps it)."""
    base, url, _ = served
    found: dict[str, list] = {}
    with launched_browser() as browser:
        context = browser.new_context(viewport=PHONE, locale="fr-FR", bypass_csp=True)
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors = watch_errors(page)
        try:
            sign_in(page, base, totp_code(datetime.now(UTC)))
            menu = page.get_by_role("navigation", name="Menu de l’espace cabinet")
            menu.get_by_role("link", name="Agenda").click()
            page.get_by_role("heading", name="Agenda", level=1).wait_for()
            assert "Semaine du" in page.text_content("main")
            audited(page, "agenda", found)
            page.locator(".free-slots a").first.click()  # a free slot opens a phone booking
            page.get_by_role("heading", name="Rendez-vous pris par téléphone").wait_for()
            audited(page, "book", found)
            page.get_by_label("Madame").check()
            page.get_by_label("Prénom", exact=True).fill("Nadia")
            page.get_by_label("Nom", exact=True).fill("Garnier")
            page.get_by_label("E-mail", exact=True).fill("nadia.garnier@example.org")
            page.get_by_label("Téléphone mobile").fill("06 12 34 56 78")
            page.get_by_label("Date de naissance", exact=True).fill("1980-05-04")
            page.get_by_label("Le patient a été informé de la politique de confidentialité").check()
            page.get_by_role("button", name="Enregistrer le rendez-vous").click()
            page.get_by_text("le patient reçoit sa confirmation").wait_for()
            appointment_id = int(re.search(r"/admin/appointments/(\d+)", page.url).group(1))
            audited(page, "appointment", found)
            page.get_by_label("Statut de présence").select_option(label="À confirmer")
            page.get_by_role("button", name="Enregistrer la présence").click()
            page.get_by_text("Présence enregistrée.").wait_for()
            page.get_by_label("Motif (facultatif, gardé pour le cabinet quand il annule)").fill("Praticien absent")
            page.get_by_role("button", name="Annuler le rendez-vous").click()
            page.get_by_role("heading", name="Annuler ce rendez-vous ?").wait_for()  # asked first
            audited(page, "cancel-confirm", found)
            assert page.get_by_text("Praticien absent").is_visible()
            page.get_by_role("button", name="Oui, annuler le rendez-vous").click()
            page.get_by_text("Rendez-vous annulé : le patient est prévenu.").wait_for()
            assert page.get_by_text("Annulé par le praticien").is_visible()
            audited(page, "appointment-cancelled", found)
            page.get_by_role("link", name="Garnier Nadia").click()
            page.get_by_role("heading", name="Garnier Nadia").wait_for()
            audited(page, "patient", found)
            menu.get_by_role("link", name="Patients", exact=True).click()
            page.get_by_label("Rechercher par nom, téléphone ou e-mail").fill("garnier")
            page.keyboard.press("Enter")
            page.get_by_role("link", name="Garnier Nadia").wait_for()
            audited(page, "patients", found)
            menu.get_by_role("link", name="Journal d'accès").click()
            page.get_by_role("heading", name="Journal d'accès").wait_for()
            audited(page, "audit", found)
        finally:
            context.close()
    assert found == {name: [] for name in found} and len(found) == 8, found
    assert not errors, errors
    assert {("confirmation", "patient"), ("cancelled", "patient")} <= outbox_of(url, appointment_id)


def book_online(base: str) -> None:
    """A patient books through the JSON API (another browser, somewhere else) in the week shown."""
    today = datetime.now(UTC).date()
    slots = json.loads(urlopen(f"{base}/api/v1/practitioners/camille-martin/slots?service=consultation-adulte"
                               f"&from={today}&to={today + timedelta(days=6 - today.weekday())}").read())["slots"]
    if not slots:
        pytest.skip(reason="no free slot left in this week for the online booking")
    body = json.dumps({"practitioner": "camille-martin", "service": "consultation-adulte", "start": slots[-1]["start"],
                       "patient": patient(last_name="Enligne", email="enligne@example.org"),
                       "consents": consents()}).encode()
    answer = urlopen(Request(f"{base}/api/v1/bookings", data=body, headers={"Content-Type": "application/json"}))
    assert answer.status == 201


def test_new_online_bookings_appear_without_a_reload_under_the_real_csp(served):
    """The page keeps the real CSP: the script and its fetch are what production runs. The
    browser's clock is driven by the test (Playwright's clock), so no test waits a minute."""
    base, _, codes = served
    with launched_browser() as browser:
        context = browser.new_context(viewport=PHONE, locale="fr-FR")
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors = watch_errors(page)
        try:
            page.clock.install()
            sign_in(page, base, codes[0])  # the TOTP code of this half-minute is spent already
            with page.expect_response(lambda answer: answer.url.endswith("/static/js/admin-agenda.js")) as script:
                page.goto(base + "/admin/agenda")
            assert script.value.status == 200 and page.get_by_text("Enligne").count() == 0
            book_online(base)
            page.clock.fast_forward("01:05")
            page.get_by_text("Enligne Élise").wait_for()
            assert page.get_by_role("status").filter(has_text="Agenda mis à jour.").count() == 1
            page.set_viewport_size(TABLET)  # the same week on a tablet: practitioners side by side
            assert horizontal_overflow(page) <= 0
            screenshot(page, "admin-agenda-tablet")
        finally:
            context.close()
    assert not errors, errors
