"""The back-office pages in English: every string of their templates has a translation (the
catalog test covers the patient pages; these are the practice's), and a page reads in English."""

from babel.messages.extract import extract_from_file

from portal.i18n import ROOT
from tests.admin.conftest import signed_in_as
from tests.builders import book, paris
from tests.patient_pages.test_catalog import english_catalog


def test_every_string_of_the_back_office_pages_is_translated():
    catalog = english_catalog()
    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    missing = []
    for page in sorted((ROOT / "templates" / "admin").glob("*.html")):  # every page, each partial
        for _, message, _, _ in extract_from_file("jinja2", str(page), options=options):
            text = message if isinstance(message, str) else message[0]
            if not (catalog.get(text) and catalog.get(text).string):
                missing.append(text)
    assert missing == []


async def test_the_agenda_in_english(client, clock):
    await signed_in_as(client, clock.now)
    page = await client.get("/admin/agenda?lang=en")
    assert page.status_code == 200 and "Take a phone booking" in page.text and "Free slots:" in page.text


async def test_an_appointment_in_english_has_english_punctuation(client, clock):
    """No French space before a colon in English: "e-mail: yes", not "e-mail : yes"."""
    booked = await book(paris(2026, 12, 2, 10), clock.now)
    await signed_in_as(client, clock.now)
    page = (await client.get(f"/admin/appointments/{booked.appointment_id}?lang=en")).text
    assert "e-mail: yes · text message: yes" in page and " : " not in page
