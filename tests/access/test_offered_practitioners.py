"""A practitioner patients cannot book (no weekly hours, no service offered online) is not
offered to them (issue 14 item 2), on the pages and in the API."""

from __future__ import annotations

from portal import access
from portal.models import OpeningHours, Service
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
