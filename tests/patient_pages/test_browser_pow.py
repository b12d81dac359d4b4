"""The proof of work in Chromium (issue 10 item 4): past the threshold of posts from one client,
the browser solves the challenge with /static/js/pow.js under the real Content-Security-Policy
and the booking goes through, with nothing more for the patient to do."""

from __future__ import annotations

import re

import pytest

from portal.web import pow
from tests.concurrency.server import live_server
from tests.patient_pages.browser import PHONE, demo_database, launched_browser
from tests.patient_pages.test_browser import fill_form, open_first_slot

pytestmark = pytest.mark.browser


def test_past_the_threshold_the_browser_does_the_work_and_books(tmp_path):
    url = demo_database(tmp_path / "creneau.sqlite3")
    with live_server(url, tmp_path, workers=1, INLINE_WORKERS="0", BOOKING_RATE_LIMIT="20/hour") as server, \
            launched_browser() as browser:
        context = browser.new_context(viewport=PHONE, locale="fr-FR")
        context.set_default_timeout(30_000)
        page = context.new_page()
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
        context.close()
    assert not errors, errors
