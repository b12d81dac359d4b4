"""Issue 14's "done means", in real Chromium: the practice's administrator sets up a new
practitioner through the back-office pages only — profile, hours with a lunch break, two services
with prices, a week of holidays, reminders, a calendar feed (its QR code shown) and an external
calendar (a local server's .ics, allowed by the operator's CALENDAR_ALLOW_INTERNAL) — and the
patient booking pages then show exactly that: the practitioner listed, both services with their
prices, slots on working days, none during lunch, the holiday week or the external event.

The practitioner's bare record (a name, nothing bookable) is made as `creneau practitioner add`
makes it: the back-office has no page creating a practitioner yet."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from creneau import database as db
from portal.models import Practice
from portal.practice.demo import create_practitioner, load_demo
from portal.scheduling.holidays import is_public_holiday
from tests.access.helpers import PASSWORD, add_staff
from tests.admin.test_browser import ADMIN, CODE_LABEL
from tests.builders import SECRET_KEY
from tests.concurrency.server import free_port, live_server
from tests.patient_pages.browser import launched_browser

pytestmark = pytest.mark.browser
PARIS = ZoneInfo("Europe/Paris")
TODAY = datetime.now(UTC).astimezone(PARIS).date()  # the server runs on the real clock
WEEK = TODAY + timedelta(days=7 - TODAY.weekday() + 7)  # the Monday after next: past any booking notice
HOLIDAYS = WEEK + timedelta(days=7)  # the week after it is off, and the one after that open again
BUSY_DAY = WEEK + timedelta(days=1)  # the external calendar's event: 15:00-16:00 that Tuesday


def ics() -> bytes:
    start = datetime.combine(BUSY_DAY, time(15), PARIS).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    end = datetime.combine(BUSY_DAY, time(16), PARIS).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:busy-1@test\r\n"
            f"DTSTAMP:{start}\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:Dentiste\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n").encode()


@pytest.fixture(scope="module")
def calendar_url():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            body = ics()
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/nina.ics"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("new-practitioner")
    url = f"sqlite://{var_dir / 'creneau.sqlite3'}"

    async def prepare() -> list[str]:
        try:
            await db.migrate(url)
            await db.close()
            await db.init(url)
            await load_demo()
            await create_practitioner(await Practice.get(), slug="nina-roche", first_name="Nina", last_name="Roche",
                                      profession="", hours={}, services=[], bookable=False)
            return (await add_staff(datetime.now(UTC), ADMIN, totp=True))[1]
        finally:
            await db.close()

    with ThreadPoolExecutor(1) as pool:
        codes = pool.submit(asyncio.run, prepare()).result()
    port = free_port()
    env = {"INLINE_WORKERS": "0", "CALENDAR_ALLOW_INTERNAL": "true", "BASE_URL": f"http://localhost:{port}"}
    with live_server(url, var_dir, workers=1, port=port, **env):
        yield f"http://localhost:{port}", codes, url, var_dir


def sync_calendars_once(database_url: str, var_dir) -> None:
    """What `creneau sync` (or `creneau serve`'s loop) does every few minutes, once, now."""
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=SECRET_KEY, CRENEAU_VAR_DIR=str(var_dir),
               CALENDAR_ALLOW_INTERNAL="true")
    done = subprocess.run([sys.executable, "-c", "import sys; from creneau.cli import main; sys.exit(main(sys.argv[1:]))",
                           "sync", "--once"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "imported, 1 busy blocks" in done.stdout, done.stdout + done.stderr


def offered_starts(page, base: str, service_href: str, monday: date) -> list[datetime]:
    """Every slot the patient page offers in the week of `monday` (those behind "more" too)."""
    page.goto(base + service_href.split("#")[0] + f"&week={monday.isoformat()}")
    hrefs = page.locator("a.slot").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    return [datetime.fromisoformat(parse_qs(urlsplit(href).query)["start"][0]) for href in hrefs]


def test_an_administrator_sets_up_a_practitioner_and_patients_see_exactly_that(server, calendar_url):
    base, codes, database_url, var_dir = server
    with launched_browser() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            page.goto(base + "/admin/login")
            page.get_by_label("Adresse e-mail").fill(ADMIN)
            page.get_by_label("Mot de passe").fill(PASSWORD)
            page.get_by_role("button", name="Se connecter", exact=True).click()
            page.get_by_label(CODE_LABEL).fill(codes[-1])
            page.keyboard.press("Enter")
            page.get_by_role("heading", name="Bonjour").wait_for()

            # Profile.
            page.goto(base + "/admin/settings/practitioners")
            page.get_by_role("link", name="Profil – Nina Roche").click()
            page.get_by_label("Profession").fill("Orthophoniste")
            page.get_by_label("Présentation (affichée aux patients)").fill("Rééducation du langage, enfants et adultes.")
            page.get_by_label("Réservable en ligne par les patients").check()
            page.get_by_role("button", name="Enregistrer le profil").click()
            page.get_by_text("Profil enregistré.").wait_for()

            # Hours, Monday to Friday, with a lunch break.
            page.get_by_role("link", name="Horaires et pauses").click()
            for day in range(5):
                page.get_by_label("Horaires d’ouverture").nth(day).fill("09:00-17:00")
                page.get_by_label("Pauses").nth(day).fill("12:00-13:00")
            page.get_by_role("button", name="Enregistrer les horaires").click()
            page.get_by_text("Horaires enregistrés").wait_for()

            # A week of holidays (nothing booked inside: straight back to the hours).
            page.get_by_label("Du").fill(HOLIDAYS.isoformat())
            page.get_by_label("Au (facultatif : un seul jour)").fill((HOLIDAYS + timedelta(days=6)).isoformat())
            page.get_by_label("Motif (pour le cabinet seulement)").fill("Vacances")
            page.get_by_role("button", name="Ajouter l’exception").click()
            page.get_by_text("Exception enregistrée.").wait_for()

            # Two services with prices.
            services = page.url.split("/hours")[0].replace(base, "") + "/services"
            for name, minutes, euros in (("Bilan orthophonique", "60", "55"), ("Séance de rééducation", "30", "35")):
                page.goto(base + services)
                page.get_by_label("Nom (français)").fill(name)
                page.get_by_label("Durée (minutes)").fill(minutes)
                page.get_by_label("Prix affiché aux patients (euros, facultatif)").fill(euros)
                page.get_by_label("Réservable en ligne (sinon par téléphone seulement)").check()
                page.get_by_role("button", name="Enregistrer la prestation").click()
                page.get_by_text("Prestation enregistrée.").wait_for()

            # Reminders (the practice's: before its 24-hour cancellation limit).
            page.goto(base + "/admin/settings")
            page.get_by_label("Rappels par e-mail (heures avant, séparées par des virgules)").fill("96, 48")
            page.get_by_label("Rappels par SMS (heures avant, séparées par des virgules)").fill("36")
            page.get_by_role("button", name="Enregistrer").click()
            page.get_by_text("Réglages enregistrés.").wait_for()

            # A calendar feed, its QR code shown.
            page.get_by_role("link", name="Flux d’agenda").click()
            page.get_by_label("Praticien").select_option(label="Nina Roche")
            page.get_by_role("button", name="Créer le flux").click()
            page.get_by_role("heading", name="Votre nouvelle adresse d’abonnement").wait_for()
            assert page.locator(".qr svg").is_visible()

            # An external calendar, read once as the sync process would.
            page.get_by_role("link", name="Agendas externes").click()
            page.get_by_label("Praticien").select_option(label="Nina Roche")
            page.get_by_label("Adresse iCal de l’agenda").fill(calendar_url)
            page.get_by_role("button", name="Ajouter l’agenda").click()
            page.get_by_text("Agenda ajouté").wait_for()
            sync_calendars_once(database_url, var_dir)
            page.reload()
            page.get_by_role("cell", name="À jour").wait_for()

            # What patients see.
            page.goto(base + "/")
            page.get_by_role("link", name="Nina Roche").first.click()
            offers = page.locator("a.service")
            assert offers.count() == 2
            texts = [" ".join(offers.nth(i).inner_text().split()) for i in range(2)]
            assert texts[0].startswith("Bilan orthophonique") and texts[0].endswith("55 €"), texts
            assert texts[1].startswith("Séance de rééducation") and texts[1].endswith("35 €"), texts
            short = offers.nth(1).get_attribute("href")
            by_week = {monday: offered_starts(page, base, short, monday)
                       for monday in (WEEK, HOLIDAYS, HOLIDAYS + timedelta(days=7))}
        finally:
            context.close()

    assert by_week[HOLIDAYS] == []  # the holiday week: nothing
    lunch, busy = (time(12), time(13)), (time(15), time(16))
    for monday in (WEEK, HOLIDAYS + timedelta(days=7)):
        starts = [start.astimezone(PARIS) for start in by_week[monday]]
        days = {start.date() for start in starts}
        working = {monday + timedelta(days=n) for n in range(5)}
        assert days == {day for day in working if not is_public_holiday(day)}, days  # no weekend, no 1 January
        for start in starts:
            end = (start + timedelta(minutes=30)).time()
            assert time(9) <= start.time() and end <= time(17), start
            assert not (start.time() < lunch[1] and end > lunch[0]), f"a slot during lunch: {start}"
            assert not (start.date() == BUSY_DAY and start.time() < busy[1] and end > busy[0]), f"busy: {start}"
        assert any(start.time() == time(11, 30) for start in starts) and any(start.time() == time(13) for start in starts)
    assert any(start.astimezone(PARIS).date() == BUSY_DAY and start.astimezone(PARIS).time() == time(14, 30)
               for start in by_week[WEEK])
