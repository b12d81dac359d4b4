"""Real Chromium over the page of appointments inside new time off, on a 390-pixel phone and a
1280-pixel desktop: axe-core finds no serious or critical violation, nothing scrolls sideways,
each appointment is a group named by its legend; on the phone a move without a slot is refused
with every choice kept; on the desktop the choices are made with the keyboard only and saved."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from creneau import database as db
from portal.practice.demo import load_demo
from tests.access.helpers import PASSWORD, add_staff
from tests.admin.test_browser import ADMIN, CODE_LABEL
from tests.builders import book, patient
from tests.concurrency.server import free_port, live_server
from tests.patient_pages.browser import (
    DESKTOP,
    PHONE,
    horizontal_overflow,
    launched_browser,
    screenshot,
    serious_violations,
)

pytestmark = pytest.mark.browser
PARIS = ZoneInfo("Europe/Paris")
TODAY = datetime.now(UTC).astimezone(PARIS).date()  # the server runs on the real clock
WEEK = TODAY + timedelta(days=7 - TODAY.weekday() + 7)  # the Monday after next


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("time-off-choices")
    url = f"sqlite://{var_dir / 'creneau.sqlite3'}"

    async def prepare() -> list[str]:
        try:
            await db.migrate(url)
            await db.close()
            await db.init(url)
            await load_demo()
            now = datetime.now(UTC)
            for day, name in ((1, "Durand"), (3, "Petit")):  # Hugo's Tuesday and Thursday at 10:00
                start = datetime.combine(WEEK + timedelta(days=day), datetime.min.time(), PARIS) + timedelta(hours=10)
                await book(start, now, practitioner="hugo-bernard", service="consultation",
                           patient=patient(last_name=name, email=f"{name.lower()}@example.org"))
            return (await add_staff(now, ADMIN, totp=True))[1]
        finally:
            await db.close()

    with ThreadPoolExecutor(1) as pool:
        codes = pool.submit(asyncio.run, prepare()).result()
    port = free_port()
    with live_server(url, var_dir, workers=1, port=port, INLINE_WORKERS="0", BASE_URL=f"http://localhost:{port}"):
        yield f"http://localhost:{port}", codes


def signed_in(browser, base: str, code: str, viewport: dict):
    context = browser.new_context(viewport=viewport, locale="fr-FR", bypass_csp=True)  # axe is injected
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(base + "/admin/login")
    page.get_by_label("Adresse e-mail").fill(ADMIN)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.get_by_label(CODE_LABEL).fill(code)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Bonjour").wait_for()
    return context, page


def test_choosing_what_becomes_of_the_appointments_inside_an_absence(server):
    base, codes = server
    found, overflow = {}, {}

    def audit(page, name: str) -> None:
        found[name] = serious_violations(page)
        overflow[name] = horizontal_overflow(page)
        screenshot(page, f"admin-{name}")

    with launched_browser() as browser:
        context, page = signed_in(browser, base, codes[-1], PHONE)
        try:
            page.goto(base + "/admin/settings/practitioners")
            page.get_by_role("link", name="Horaires et pauses – Hugo Bernard").click()
            page.get_by_label("Du").fill(WEEK.isoformat())
            page.get_by_label("Au (facultatif : un seul jour)").fill((WEEK + timedelta(days=4)).isoformat())
            page.get_by_role("button", name="Ajouter l’exception").click()
            page.get_by_role("heading", name="Rendez-vous pendant l’absence de Hugo Bernard").wait_for()
            assert page.get_by_role("group").count() == 2  # a fieldset per appointment, named by its legend
            durand = page.get_by_role("group", name="Durand")
            assert durand.get_by_label("Garder à cette heure").is_checked()  # nothing changes unless said
            audit(page, "time-off-choices-390")
            durand.get_by_label("Déplacer au créneau choisi ci-dessous").check()
            page.get_by_role("group", name="Petit").get_by_label("Motif de l’annulation (facultatif, gardé pour le cabinet)"
                                                                 ).fill("Congés")
            page.get_by_role("button", name="Enregistrer ces choix").click()
            page.get_by_role("heading", name="Certaines informations sont à corriger").wait_for()
            assert page.get_by_role("group", name="Durand").get_by_label("Déplacer au créneau choisi ci-dessous").is_checked()
            assert page.get_by_role("group", name="Petit").get_by_label(
                "Motif de l’annulation (facultatif, gardé pour le cabinet)").input_value() == "Congés"
            audit(page, "time-off-choices-errors-390")
        finally:
            context.close()

        context, page = signed_in(browser, base, codes[-2], DESKTOP)
        try:
            page.goto(base + "/admin/settings/practitioners")
            page.get_by_role("link", name="Horaires et pauses – Hugo Bernard").click()
            page.get_by_role("link", name="Rendez-vous pendant cette absence").first.click()
            audit(page, "time-off-choices-1280")
            # The keyboard only: arrow keys within a row's choices, Tab to its slot list.
            page.get_by_role("group", name="Durand").get_by_label("Garder à cette heure").focus()
            page.keyboard.press("ArrowDown")  # "move"
            page.keyboard.press("Tab")
            page.keyboard.press("ArrowDown")  # the first free slot
            durand = page.get_by_role("group", name="Durand")
            assert durand.get_by_label("Déplacer au créneau choisi ci-dessous").is_checked()
            chosen = durand.get_by_label("Nouveau créneau (si vous le déplacez)").input_value()
            assert chosen
            page.get_by_role("group", name="Petit").get_by_label("Garder à cette heure").focus()
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowDown")  # "cancel"
            page.get_by_role("button", name="Enregistrer ces choix").focus()
            page.keyboard.press("Enter")
            page.get_by_text("Choix enregistrés : 0 rendez-vous gardé(s), 1 déplacé(s), 1 annulé(s).").wait_for()
        finally:
            context.close()
    assert found == {name: [] for name in found}, found
    assert {name: value for name, value in overflow.items() if value > 0} == {}
