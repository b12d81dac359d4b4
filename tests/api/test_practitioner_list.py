"""GET /api/v1/practitioners: pages by cursor, filters, bounded limit (CONTRACT.md)."""

from __future__ import annotations

from portal.models import Practice, Practitioner
from tests import bulk


async def _two_practices(now) -> None:
    lilas = await Practice.get(slug="cabinet-des-lilas")
    other = await Practice.create(slug="cabinet-du-port", name="Cabinet du Port", address="3 quai Nord", postcode="13002",
                                  city="Marseille", city_key="marseille",
                                  phone="+33491000000", email="contact@port.example")
    await bulk.seed_practitioners(lilas.id, 30, tag="kine-lilas", profession="Kinésithérapeute",
                                  service="reeducation", now=now)
    await bulk.seed_practitioners(other.id, 25, tag="kine-port", profession="Kinésithérapeute",
                                  service="bilan", now=now)
    await Practitioner.filter(slug="kine-port-5").update(bookable=False)


async def walk(client, query: str, limit: int) -> list[str]:
    slugs, cursor, pages = [], None, 0
    while True:
        params = f"{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = await client.get(f"/api/v1/practitioners?{params}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        slugs += [item["slug"] for item in body["items"]]
        cursor, pages = body["next"], pages + 1
        if cursor is None:
            return slugs
        assert pages < 100


async def test_pages_walk_every_practitioner_once_in_name_order(client, now):
    await _two_practices(now)
    everything = (await client.get("/api/v1/practitioners?limit=100")).json()
    assert everything["next"] is None
    expected = [item["slug"] for item in everything["items"]]
    assert len(expected) == 2 + 30 + 24  # the demo's two, and not the one who is not bookable
    assert "kine-port-5" not in expected
    keys = [(item["name"].split()[-1], item["name"].split()[0]) for item in everything["items"]]
    assert keys == sorted(keys)
    # Many practitioners share a name: pages of 7 split ties and still miss or repeat nobody.
    assert await walk(client, "", 7) == expected
    assert await walk(client, "", 1) == expected


async def test_filters_by_practice_profession_service_postcode_and_city(client, now):
    await _two_practices(now)

    async def slugs(query: str) -> set[str]:
        return set(await walk(client, query, 10))

    port = {f"kine-port-{i}" for i in range(1, 26)} - {"kine-port-5"}
    lilas = {f"kine-lilas-{i}" for i in range(1, 31)}
    assert await slugs("practice=cabinet-du-port") == port
    assert await slugs("profession=Kinésithérapeute") == port | lilas
    assert await slugs("profession=Ostéopathe") == {"camille-martin"}
    assert await slugs("service=reeducation") == lilas
    assert await slugs("service=test-audition") == {"hugo-bernard"}
    assert await slugs("postcode=13002") == port
    assert await slugs("city=marseille") == port
    assert await slugs("city=MARSEILLE") == port
    assert await slugs("city=mars") == set()  # the whole city, on its indexed column: not a text search
    assert await slugs("postcode=75019&city=paris") == lilas | {"camille-martin", "hugo-bernard"}
    assert await slugs("postcode=75019&profession=Kinésithérapeute") == lilas
    assert await slugs("practice=cabinet-du-port&service=reeducation") == set()
    assert await slugs("practice=nowhere") == set()


async def test_malformed_parameters_answer_422_naming_them(client):
    for query, field in (("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"), ("limit=²", "limit"),
                         ("limit=１０", "limit"),
                         ("cursor=not-a-cursor", "cursor"), ("cursor=WzEsMiwzXQ", "cursor"),
                         ("postcode=7501", "postcode"), ("city=" + "x" * 101, "city")):
        response = await client.get(f"/api/v1/practitioners?{query}")
        assert response.status_code == 422, query
        assert list(response.json()["error"]["fields"]) == [field], query


async def test_the_practice_page_shows_its_practitioners_a_page_at_a_time(client, now):
    from portal.web.patient.practice_views import PAGE_SIZE

    await _two_practices(now)
    first = await client.get("/c/cabinet-des-lilas")
    assert first.status_code == 200
    assert first.text.count('class="card"') == PAGE_SIZE
    assert 'rel="next"' in first.text and "Praticiens suivants" in first.text
    following = first.text.split('href="/c/cabinet-des-lilas?suite=')[1].split('"')[0]
    second = await client.get(f"/c/cabinet-des-lilas?suite={following}")
    assert second.text.count('class="card"') == 32 - PAGE_SIZE and 'rel="next"' not in second.text
    assert "kine-port" not in first.text + second.text
    assert (await client.get("/c/cabinet-des-lilas?suite=garbage")).status_code == 404
