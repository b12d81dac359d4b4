"""The patients' home (`/`) lists the practices 30 at a time (issue 16: it listed them all), with
a "Cabinets suivants" link carrying a keyset cursor, as the practice page does its practitioners."""

from __future__ import annotations

import base64
import json
import re

import pytest

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


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# Cursors a visitor can forge: an id past what a primary key holds (PostgreSQL: int32; SQLite:
# int64), a NUL in a name (PostgreSQL cannot store or compare it), nesting deep enough to
# exhaust the JSON parser, a huge link.
FORGED = [
    pytest.param(3_000_000_000, id="id-past-int32"),
    pytest.param(99999999999999999999999, id="id-past-int64"),
    pytest.param("nul", id="nul-in-name"),
    pytest.param("deep", id="deep-nesting"),
    pytest.param("huge", id="huge-link"),
]


def _forged(kind, texts: int) -> str:
    if kind == "nul":
        return _cursor(["a\u0000"] * texts + [1])
    if kind == "deep":
        return base64.urlsafe_b64encode(b"[" * 5_000).decode()
    if kind == "huge":
        return _cursor(["a" * 20_000] * texts + [1])
    return _cursor(["a"] * texts + [kind])


@pytest.mark.parametrize("kind", FORGED)
async def test_a_forged_cursor_is_a_4xx_never_a_500(client, kind):
    assert (await client.get(f"/?suite={_forged(kind, 1)}")).status_code == 404
    assert (await client.get(f"/c/cabinet-des-lilas?suite={_forged(kind, 2)}")).status_code == 404
    answer = await client.get(f"/api/v1/practitioners?cursor={_forged(kind, 2)}")
    assert answer.status_code == 422 and "cursor" in answer.text
