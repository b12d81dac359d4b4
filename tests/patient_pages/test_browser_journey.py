"""Issue 11 in real Chromium at 390 px: boxes kept after an error (item 1), the language switch
on a refused form (item 4), a booking inside an iframe on another origin (item 5), a double tap
(item 6) and a week that fits a phone (item 9), with axe-core on the pages involved."""

from __future__ import annotations

import re
import sqlite3
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.concurrency.server import live_server
from tests.patient_pages.browser import PHONE, demo_database, horizontal_overflow, serious_violations
from tests.patient_pages.test_browser import fill_form, open_first_slot

pytestmark = pytest.mark.browser

# Another loopback address is another site for the browser (hosts that are IP addresses have no
# registrable domain): a SameSite=Lax cookie of 127.0.0.1 is not sent inside a frame of 127.0.0.2.
PRACTICE_SITE_HOST = "127.0.0.2"


@contextmanager
def practice_site():
    """The practice's own web site on another origin: one page embedding Créneau in an iframe."""
    state = {"src": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Cabinet des Lilas</title>'
                    f'</head><body><h1>Prendre rendez-vous</h1><iframe title="Prise de rendez-vous" '
                    f'src="{state["src"]}" width="380" height="2400"></iframe></body></html>').encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((PRACTICE_SITE_HOST, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://{PRACTICE_SITE_HOST}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site():
    with practice_site() as running:
        yield running


@pytest.fixture(scope="module")
def database_file(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("browser-journey")
    path = var_dir / "creneau.sqlite3"
    return var_dir, path, demo_database(path)


@pytest.fixture(scope="module")
def server(database_file, site):
    var_dir, _, url = database_file
    state, site_url = site
    with live_server(url, var_dir, workers=1, INLINE_WORKERS="0", FRAME_ANCESTORS=f"'self' {site_url}") as running:
        state["src"] = running.url + "/p/camille-martin?service=consultation-adulte"
        yield running.url


def _page(browser, **options):
    context = browser.new_context(viewport=PHONE, locale="fr-FR", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    yield page
    context.close()
    assert not errors, errors


@pytest.fixture
def page(browser):
    """Under the real Content-Security-Policy; any console error fails the test."""
    yield from _page(browser)


@pytest.fixture
def audit_page(browser):
    """axe-core is injected as a script: only pages audited after a form post bypass the CSP."""
    yield from _page(browser, bypass_csp=True)


def appointments_of(database_file, first_name: str) -> int:
    _, path, _ = database_file
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT count(*) FROM appointment a JOIN patient p ON p.id = a.patient_id WHERE p.first_name = ?",
            (first_name,)).fetchone()[0]


def submit(page) -> None:
    page.get_by_role("button", name=re.compile("Confirmer le rendez-vous|Confirm the appointment")).click()


def test_a_refused_form_keeps_the_sms_box_ticked_and_books_with_it(page, server):
    open_first_slot(page, server)
    fill_form(page, first_name="Inès")
    page.get_by_label("Date de naissance").fill("31/02/1987")
    page.get_by_label(re.compile("rappel de mon rendez-vous par SMS")).check()
    submit(page)
    page.locator(".error-summary").wait_for()
    assert page.get_by_label(re.compile("rappel de mon rendez-vous par SMS")).is_checked()
    assert page.get_by_label(re.compile("politique de confidentialité")).is_checked()
    page.get_by_label("Date de naissance").fill("28/02/1987")
    submit(page)
    page.get_by_role("heading", name="Votre rendez-vous est réservé").wait_for()
    assert page.get_by_label(re.compile("rappel de mon rendez-vous par SMS")).is_checked()


def test_switching_language_on_a_refused_form_keeps_everything(audit_page, server):
    page = audit_page
    open_first_slot(page, server)
    slot = page.locator(".slot-summary strong").inner_text()
    fill_form(page, first_name="Anouk")
    page.get_by_label("Date de naissance").fill("1987")
    page.get_by_label(re.compile("rappel de mon rendez-vous par SMS")).check()
    submit(page)
    page.locator(".error-summary").wait_for()
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="3. Your details").wait_for()
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.get_by_label("First name").input_value() == "Anouk"
    assert page.get_by_label("Date of birth").input_value() == "1987"
    assert page.get_by_label(re.compile("SMS reminder")).is_checked()
    assert slot.split(" ")[1] in page.locator(".slot-summary strong").inner_text()  # the same day number
    assert serious_violations(page) == []
    page.get_by_label("Date of birth").fill("12/04/1987")
    submit(page)
    page.get_by_role("heading", name="Your appointment is booked").wait_for()


def test_a_booking_inside_an_iframe_on_the_practice_site_succeeds(page, server, site, database_file):
    _, site_url = site
    page.goto(site_url + "/")
    frame = page.frame_locator("iframe")
    frame.get_by_role("link", name="Premier créneau disponible").click()
    frame.locator("a.slot").first.click()
    frame.get_by_label("Prénom").fill("Maëlle")
    frame.get_by_label("Nom", exact=True).fill("Embarquée")
    frame.get_by_label("Adresse e-mail").fill("maelle@example.org")
    frame.get_by_label("Téléphone", exact=True).fill("06 12 34 56 70")
    frame.get_by_label("Date de naissance").fill("12041987")
    frame.get_by_label(re.compile("politique de confidentialité")).check()
    frame.get_by_role("button", name="Confirmer le rendez-vous").click()
    frame.get_by_role("heading", name="Votre rendez-vous est réservé").wait_for()
    assert appointments_of(database_file, "Maëlle") == 1


def test_a_double_tap_and_a_resend_book_once_and_show_the_booking(page, server, database_file):
    open_first_slot(page, server)
    fill_form(page, first_name="Timothée")
    # Two identical posts at once from the page itself (what a double tap or a resend sends),
    # then the patient's own tap: all three end on the one booking.
    landed = page.evaluate("""async () => {
        const form = document.querySelector('form.booking-form');
        const send = () => fetch(form.action, {method: 'POST', body: new URLSearchParams(new FormData(form))});
        const answers = await Promise.all([send(), send()]);
        return answers.map((answer) => [answer.status, answer.url]);
    }""")
    submit(page)
    page.get_by_role("heading", name="Votre rendez-vous est réservé").wait_for()
    assert landed == [[200, page.url], [200, page.url]]
    assert appointments_of(database_file, "Timothée") == 1
    assert horizontal_overflow(page) <= 0


def test_a_week_fits_a_phone_and_first_available_lands_on_the_slot(audit_page, server):
    page = audit_page
    page.goto(server + "/p/camille-martin?service=consultation-adulte")
    page.get_by_role("link", name="Premier créneau disponible").click()
    page.wait_for_url(re.compile(r"#slot-\d{8}T\d{4}Z$"))
    focused = page.evaluate("() => [document.activeElement.id, document.activeElement.getAttribute('aria-label')]")
    assert "#" + focused[0] == page.url[page.url.index("#"):]
    assert re.fullmatch(r"\w+ \d{1,2} \w+ \d{4} à \d{1,2}\u00a0h\u00a0\d{2}(, ne pourra plus être modifié en ligne)?",
                        focused[1])
    # The next week, from its navigation link to its last day, in a few Tab presses.
    page.get_by_role("link", name="Semaine suivante").first.click()
    page.locator("a.slot").first.wait_for()
    page.get_by_role("link", name="Semaine suivante").first.focus()
    stops = 0
    last_open_day = "() => { const days = [...document.querySelectorAll('section.day')].filter((d) => d.querySelector('a.slot'));" \
                    " return document.activeElement.closest('section.day') === days[days.length - 1]; }"
    while not page.evaluate(last_open_day):
        page.keyboard.press("Tab")
        stops += 1
        assert stops < 35, "the week's last open day is too many Tab presses away"
    assert page.get_by_text("Fermé").first.is_visible()  # Sunday
    # More slots of a day open with the keyboard, and each is named with its full date.
    more = page.locator("details.more-slots summary").first
    more.focus()
    page.keyboard.press("Enter")
    hidden_before = page.locator("details.more-slots").first.locator("a.slot").first
    hidden_before.wait_for(state="visible")
    assert re.search(r"\d{4} à \d", hidden_before.get_attribute("aria-label"))
    assert horizontal_overflow(page) <= 0
    assert serious_violations(page) == []
