"""The patients' home (`/`) lists the practices 30 at a time (issue 16: it listed them all), with
a "Cabinets suivants" link carrying a keyset cursor, as the practice page does its practitioners."""

from __future__ import annotations

import re

from portal.models import Practice
from portal.web.patient.practice_views import PRACTICES_PAGE_SIZE


def _slugs(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/c/([a-z0-9-]+)">', html)


async def test_the_home_page_lists_practices_a_page_at_a_time_without_overlap(client):
    # Names that repeat (the cursor must break ties by id) and sort apart from their slugs.
    for i in range(64):
        await Practice.create(slug=f"cabinet-{i:03d}", name=f"Cabinet {'ABCD'[i % 4]}", address="1 rue de la Paix",
                              phone="+33142000000", email=f"c{i}@example.org")
    seen: list[str] = []
    url, pages = "/", 0
    while url:
        response = await client.get(url)
        assert response.status_code == 200
        slugs = _slugs(response.text)
        assert 0 < len(slugs) <= PRACTICES_PAGE_SIZE
        seen += slugs
        pages += 1
        following = re.search(r'<a href="(/\?suite=[A-Za-z0-9_-]+)" rel="next">Cabinets suivants</a>', response.text)
        url = following.group(1) if following else None
    assert pages == 3  # 65 practices (the demo's and 64): 30, 30, 5
    assert len(seen) == len(set(seen)) == 65
    names = {row["slug"]: row["name"] for row in await Practice.all().values("slug", "name")}
    assert [names[slug] for slug in seen] == sorted(names[slug] for slug in seen)


async def test_a_tampered_cursor_is_not_found_and_one_practice_opens_its_page(client):
    assert (await client.get("/?suite=garbage")).status_code == 404
    assert (await client.get("/?suite=WzEsMiwzXQ")).status_code == 404
    only = await client.get("/")  # the demo's practice alone: its page straight away
    assert only.status_code == 200 and "Cabinet des Lilas" in only.text and 'class="card"' in only.text
