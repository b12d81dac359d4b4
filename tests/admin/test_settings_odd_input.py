"""Odd input on the settings pages answers 4xx, never a 500: digits that are not ASCII
("¹", "²" pass str.isdigit() but int() refuses them), numbers too large for an id."""

from __future__ import annotations

from tests.admin.conftest import post_form, signed_in_as
from tests.admin.test_settings_page import VALID


async def test_superscript_digits_and_huge_ids_are_not_found(client, now):
    await signed_in_as(client, now)
    for path in ("/admin/settings/practitioners/%C2%B9/hours", "/admin/settings/practitioners/%C2%B9",
                 "/admin/settings/practitioners/1/services/%C2%B2", "/admin/settings/staff/%C2%B9",
                 "/admin/settings/practitioners/" + "0" * 11 + "1"):
        assert (await client.get(path)).status_code == 404, path
    for path in ("/admin/settings/feeds/%C2%B9/revoke", "/admin/settings/feeds/" + "0" * 11 + "1/revoke",
                 "/admin/messages/%C2%B9/retry", "/admin/settings/calendars/%C2%B9/remove"):
        assert (await post_form(client, "/admin/settings", path)).status_code == 404, path


async def test_superscript_numbers_in_forms_are_refused_field_by_field(client, now):
    await signed_in_as(client, now)
    answer = await post_form(client, "/admin/settings", **{**VALID, "cancellation_cutoff_hours": "²"})
    assert answer.status_code == 422
    services = "/admin/settings/practitioners/1/services"
    refused = await post_form(client, services, name="Bilan", duration_minutes="³", buffer_before_minutes="0",
                              buffer_after_minutes="0", min_notice_minutes="0", horizon_days="1")
    assert refused.status_code == 422
