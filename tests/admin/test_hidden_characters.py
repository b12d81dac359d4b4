"""Names that reach patients' messages and pages refuse bidirectional controls and zero-width
characters: a Right-to-Left Override in a practice name reorders an SMS as the phone shows it
("Cabinet \u202eSNART" reads "Cabinet TRANS" backwards), a zero-width space hides a look-alike.
The patient's own names refuse them already (letters only); the practice side now does too."""

from __future__ import annotations

import re
from html import unescape

import pytest

from portal.models import Practice, Practitioner, Service
from portal.patients.input import HIDDEN_CHARACTER, clean_name, hidden_character
from tests.admin.conftest import post_form, signed_in_as
from tests.admin.test_new_practitioner_page import NEW, NINA
from tests.admin.test_practitioner_page import PROFILE, page
from tests.admin.test_settings_page import VALID

HIDDEN = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
          "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u061c"]


def refused(html: str) -> set[str]:
    """The ids of the fields whose message is the hidden character's."""
    return {field for field, message in re.findall(r'id="([^"]+)-error">(?:<span[^>]*>[^<]*</span>)?([^<]*)<', unescape(html))
            if message.strip() == HIDDEN_CHARACTER}


@pytest.mark.parametrize("char", HIDDEN)
def test_the_rule_finds_each_hidden_character_and_patients_names_refuse_them(char):
    assert hidden_character(f"Cabinet{char} des Lilas")
    assert clean_name(f"Ma{char}rie") is None
    assert not hidden_character("Cabinet des Lilas — Orthophonie (2e étage) عيادة")


async def test_the_practice_name_is_refused_with_a_field_message(client, now):
    await signed_in_as(client, now)
    answer = await post_form(client, "/admin/settings", **{**VALID, "name": "Cabinet \u202eSNART", "city": "Pa\u200bris"})
    assert answer.status_code == 422
    assert refused(answer.text) == {"name", "city"}
    assert (await Practice.get(slug="cabinet-des-lilas")).name == "Cabinet des Lilas"


async def test_practitioner_names_title_and_profession_are_refused(client, now):
    await signed_in_as(client, now)
    path = await page("hugo-bernard")
    typed = {**PROFILE, "title": "Dr\u202e", "first_name": "Hu\u200bgo", "last_name": "\u2067Bernard",
             "profession": "Audio\ufeffprothésiste"}
    answer = await post_form(client, path, **typed)
    assert answer.status_code == 422
    assert refused(answer.text) == {"title", "first_name", "last_name", "profession"}
    assert (await Practitioner.get(slug="hugo-bernard")).first_name == "Hugo"
    before = await Practitioner.all().count()
    created = await post_form(client, NEW, **{**NINA, "last_name": "Ro\u061cche"})
    assert created.status_code == 422 and refused(created.text) == {"last_name"}
    assert await Practitioner.all().count() == before


async def test_service_names_in_both_languages_are_refused(client, now):
    await signed_in_as(client, now)
    hugo = await Practitioner.get(slug="hugo-bernard")
    answer = await post_form(client, f"/admin/settings/practitioners/{hugo.id}/services", name="Bilan\u202d",
                             name_en="Assess\u200dment", duration_minutes="30", buffer_before_minutes="0",
                             buffer_after_minutes="0", min_notice_minutes="0", horizon_days="30")
    assert answer.status_code == 422
    assert refused(answer.text) == {"name", "name_en"}
    assert not await Service.filter(name__startswith="Bilan\u202d").exists()
