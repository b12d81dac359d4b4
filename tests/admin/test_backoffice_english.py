"""The back-office pages in English: every string of their templates has a translation (the
catalog test covers the patient pages; these are the practice's), and a page reads in English."""

from babel.messages.extract import extract_from_file

from portal.i18n import ROOT
from tests.admin.conftest import signed_in_as
from tests.patient_pages.test_catalog import english_catalog

PAGES = ("agenda", "appointment", "book", "patients", "patient", "audit", "message_settings", "services")


def test_every_string_of_the_back_office_pages_is_translated():
    catalog = english_catalog()
    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    missing = []
    for page in PAGES:
        for _, message, _, _ in extract_from_file("jinja2", str(ROOT / "templates" / "admin" / f"{page}.html"),
                                                  options=options):
            text = message if isinstance(message, str) else message[0]
            if not (catalog.get(text) and catalog.get(text).string):
                missing.append(text)
    assert missing == []


async def test_the_agenda_in_english(client, clock):
    await signed_in_as(client, clock.now)
    page = await client.get("/admin/agenda?lang=en")
    assert page.status_code == 200 and "Take a phone booking" in page.text and "Free slots:" in page.text
