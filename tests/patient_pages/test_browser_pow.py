"""The proof of work and the confirmation step in Chromium (issue 10 item 4). Past the threshold
of posts from one client, the browser solves the challenge with /static/js/pow.js under the real
Content-Security-Policy and the booking goes through, with nothing more for the patient to do."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest

from portal.web import pow
from tests.concurrency.server import live_server
from tests.patient_pages.browser import PHONE, demo_database
from tests.patient_pages.test_browser import fill_form, open_first_slot

pytestmark = pytest.mark.browser


@contextmanager
def fresh_site(tmp_path, browser):
    """A server of its own, so that its proof-of-work counts start at zero, and a phone-sized
    page in French on it: (the server, the page)."""
    url = demo_database(tmp_path / "creneau.sqlite3")
    with live_server(url, tmp_path, workers=1, INLINE_WORKERS="0", BOOKING_RATE_LIMIT="20/hour") as server:
        context = browser.new_context(viewport=PHONE, locale="fr-FR")
        context.set_default_timeout(30_000)
        try:
            yield server, context.new_page()
        finally:
            context.close()


def test_past_the_threshold_the_browser_does_the_work_and_books(tmp_path, browser):
    with fresh_site(tmp_path, browser) as (server, page):
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text)
                if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
        open_first_slot(page, server.url)
        fill_form(page)
        for _ in range(pow.THRESHOLD):  # the privacy box unticked: refused each time, counted each time
            page.get_by_label(re.compile("politique de confidentialité")).uncheck()
            with page.expect_navigation():
                page.get_by_role("button", name="Confirmer le rendez-vous").click()
        assert page.locator("input[name=pow_challenge]").count() == 1
        page.get_by_label(re.compile("politique de confidentialité")).check()
        with page.expect_request(lambda request: request.method == "POST") as posted:
            page.get_by_role("button", name="Confirmer le rendez-vous").click()
        assert re.search(r"pow_nonce=\d+", posted.value.post_data or "")
        page.get_by_role("heading", name="Votre rendez-vous est réservé").wait_for()
    assert not errors, errors


def test_a_held_booking_is_confirmed_with_its_code_on_a_phone(tmp_path, browser):
    """The confirmation step in Chromium at 390 pixels: the booking lands on the code form (axe:
    no serious violation), a wrong code is announced on the field, the right one confirms."""
    import sqlite3

    from portal.booking.confirm import code_of
    from tests.builders import SECRET_KEY
    from tests.patient_pages.browser import serious_violations

    url = demo_database(tmp_path / "creneau.sqlite3")
    with sqlite3.connect(tmp_path / "creneau.sqlite3") as connection:
        connection.execute("UPDATE practice SET confirm_online_bookings = 1")
    with live_server(url, tmp_path, workers=1, INLINE_WORKERS="0") as server:
        context = browser.new_context(viewport=PHONE, locale="fr-FR", bypass_csp=True)  # axe is injected
        context.set_default_timeout(10_000)
        page = context.new_page()
        open_first_slot(page, server.url)
        fill_form(page)
        page.get_by_role("button", name="Confirmer le rendez-vous").click()
        page.get_by_role("heading", name="Confirmez votre rendez-vous").wait_for()
        assert serious_violations(page) == []
        code_field = page.get_by_label("Code de confirmation")
        code_field.fill("000000")
        with page.expect_navigation():
            page.get_by_role("button", name="Confirmer le rendez-vous").click()
        assert page.get_by_label("Code de confirmation").get_attribute("aria-invalid") == "true"
        assert page.get_by_text("Ce code ne correspond pas").is_visible()
        with sqlite3.connect(tmp_path / "creneau.sqlite3") as connection:
            sealed = connection.execute("SELECT confirm_code_sealed FROM appointment").fetchone()[0]
        page.get_by_label("Code de confirmation").fill(code_of(sealed, SECRET_KEY))
        page.get_by_role("button", name="Confirmer le rendez-vous").click()
        page.get_by_role("heading", name="Votre rendez-vous est réservé").wait_for()
        context.close()


def test_past_the_threshold_the_language_switch_still_only_switches_language(tmp_path, browser):
    """pow.js holds the submit back while it solves, then sends the form again: the language
    switch (a submit button of the form, with its own formaction) must stay a language switch,
    not become a booking in the other language's place."""
    import sqlite3

    with fresh_site(tmp_path, browser) as (server, page):
        open_first_slot(page, server.url)
        fill_form(page)
        for _ in range(pow.THRESHOLD):
            page.get_by_label(re.compile("politique de confidentialité")).uncheck()
            with page.expect_navigation():
                page.get_by_role("button", name="Confirmer le rendez-vous").click()
        assert page.locator("input[name=pow_challenge]").count() == 1
        page.get_by_label(re.compile("politique de confidentialité")).check()
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
        assert page.locator("h1").inner_text() == "3. Your details"
        assert page.get_by_label("Last name", exact=True).input_value() == "Durand-Lefèvre"
    with sqlite3.connect(tmp_path / "creneau.sqlite3") as connection:
        assert connection.execute("SELECT count(*) FROM appointment").fetchone() == (0,)
