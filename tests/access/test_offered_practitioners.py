"""A practitioner patients cannot book (no weekly hours, no service offered online) is not
offered to them (issue 14 item 2), on the pages and in the API."""

from __future__ import annotations

from dataclasses import replace

import pytest

from portal import access
from portal.context import Scope
from portal.models import OpeningHours, Practitioner, Service
from portal.sql import fetch
from tests.builders import load_demo, visitor


async def offered(now) -> list[str]:
    return sorted(await access.bookable_practitioners(visitor(now)).values_list("slug", flat=True))


async def test_a_practitioner_without_hours_or_online_services_is_not_offered(database, now):
    await load_demo()
    assert await offered(now) == ["camille-martin", "hugo-bernard"]
    await OpeningHours.filter(practitioner__slug="hugo-bernard", kind="open").delete()
    assert await offered(now) == ["camille-martin"]
    await Service.filter(practitioner__slug="camille-martin").update(bookable_online=False)
    assert await offered(now) == []


async def test_the_practice_page_lists_only_bookable_practitioners(database, now, tmp_path):
    import httpx2

    from creneau.app import create_app
    from tests.patient_pages.conftest import make_settings
    await load_demo()
    await OpeningHours.filter(practitioner__slug="hugo-bernard").delete()
    app = create_app(make_settings(database, tmp_path), manage_db=False, run_background=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as client:
        page = (await client.get("/c/cabinet-des-lilas")).text
        listed = (await client.get("/api/v1/practitioners")).text
    assert "camille-martin" in page and "hugo-bernard" not in page
    assert "camille-martin" in listed and "hugo-bernard" not in listed


async def offered_by_sql(ctx) -> list[str]:
    where, params = access.bookable_where(ctx)
    return sorted(slug for slug, in await fetch(f"SELECT practitioner.slug FROM practitioner WHERE {where}", *params))


CHANGES = {
    "as loaded": lambda now: None,
    "not bookable": lambda now: Practitioner.filter(slug="hugo-bernard").update(bookable=False),
    "archived": lambda now: Practitioner.filter(slug="hugo-bernard").update(archived_at=now),
    "only closed hours": lambda now: OpeningHours.filter(practitioner__slug="hugo-bernard", kind="open").delete(),
    "no online service": lambda now: Service.filter(practitioner__slug="camille-martin").update(bookable_online=False),
}


@pytest.mark.parametrize("change", CHANGES)
async def test_the_plain_sql_rules_offer_the_same_practitioners_in_every_scope(any_database, now, change):
    """The booking page reads its profile in plain SQL (access.bookable_where): it must offer
    exactly whom bookable_practitioners offers, whatever the state and the scope."""
    practice = await load_demo()
    if (changed := CHANGES[change](now)) is not None:
        await changed
    hugo = await Practitioner.get(slug="hugo-bernard")
    scopes = [Scope(), Scope(practice_ids=frozenset({practice.id})), Scope(practice_ids=frozenset({practice.id + 1})),
              Scope(practice_ids=frozenset()), Scope(practitioner_ids=frozenset({hugo.id})),
              Scope(practice_ids=frozenset({practice.id}), practitioner_ids=frozenset())]
    seen = set()
    for scope in scopes:
        ctx = replace(visitor(now), scope=scope)
        orm = sorted(await access.bookable_practitioners(ctx).values_list("slug", flat=True))
        assert await offered_by_sql(ctx) == orm, scope
        seen.add(tuple(orm))
    assert len(seen) > 1  # the scopes did narrow something
