"""The English catalog covers every string of the pages and the booking core's messages."""

from babel.messages.pofile import read_po

from portal.i18n import LOCALE_DIR, extract
from portal.web.patient.rendering import environment


def english_catalog():
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_every_extracted_string_has_an_english_translation():
    catalog = english_catalog()
    missing = [m.id for m in extract() if m.id and not (catalog.get(m.id) and catalog.get(m.id).string)]
    assert missing == []


def test_core_messages_shown_to_patients_are_translated():
    gettext = environment("en").globals["t"]
    assert gettext("Indiquez votre numéro de téléphone mobile.") == "Enter your mobile phone number."
    assert gettext("Ce créneau vient d'être réservé.") == "This slot has just been booked by someone else."
