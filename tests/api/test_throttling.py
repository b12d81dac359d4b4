"""BOOKING_RATE_LIMIT throttles bookings per client IP."""

import pytest

from tests.api.test_bookings_api import body, frozen_clock  # noqa: F401 (fixture)
from tests.builders import patient


@pytest.fixture
def api_env():
    return {"BOOKING_RATE_LIMIT": "2/hour"}


async def test_third_booking_from_one_ip_in_an_hour_is_429(client):
    starts = ["2026-12-01T09:00:00+01:00", "2026-12-01T14:00:00+01:00", "2026-12-01T16:00:00+01:00"]
    answers = [
        await client.post("/api/v1/bookings", json=body(start=s, patient=patient(email=f"p{i}@example.org")))
        for i, s in enumerate(starts)
    ]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].json()["error"]["code"] == "too_many_requests"
    assert int(answers[2].headers["retry-after"]) > 0


async def test_a_spoofed_forwarded_for_does_not_reset_the_limit(client):
    starts = ["2026-12-01T09:00:00+01:00", "2026-12-01T14:00:00+01:00", "2026-12-01T16:00:00+01:00"]
    answers = [
        await client.post("/api/v1/bookings", json=body(start=s, patient=patient(email=f"q{i}@example.org")),
                          headers={"X-Forwarded-For": f"10.0.0.{i}"})
        for i, s in enumerate(starts)
    ]
    assert [a.status_code for a in answers] == [201, 201, 429]


# Each of these got a fresh budget when the key was the raw digits (issue 10, item 4).
SPELLINGS = ["06 12 34 56 78", "0033 6 12 34 56 78", "+33 (0)6 12 34 56 78", "０６１２３４５６７８",
             "06 12 34 56 78 ext. 1", "+33612345678"]


@pytest.fixture
def phone_env():
    return {"BOOKING_RATE_LIMIT": "1000/hour"}


async def test_one_phone_number_books_at_most_five_times_an_hour(any_database, tmp_path, now):
    import httpx2

    from creneau.app import create_app
    from tests.api.conftest import make_settings
    from tests.builders import load_demo

    await load_demo()
    app = create_app(make_settings(any_database, tmp_path, BOOKING_RATE_LIMIT="1000/hour"), manage_db=False,
                     run_background=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as client:
        statuses = []
        for i in range(6):
            start = f"2026-12-0{1 + i % 2}T{9 + i // 2:02d}:00:00+01:00"  # Tuesday and Wednesday mornings
            phone = SPELLINGS[i]  # one number, six spellings: one budget
            response = await client.post("/api/v1/bookings", json=body(
                start=start, patient=patient(email=f"r{i}@example.org", phone=phone)))
            statuses.append(response.status_code)
    assert statuses == [201] * 5 + [429]


async def test_refused_bookings_do_not_count_only_bookings_made_do(client):
    """Issue 11 item 2: a rejected request (a typo, a taken slot) is no booking."""
    typos = [await client.post("/api/v1/bookings", json=body(patient=patient(birth_date="1987-02-3" + str(i))))
             for i in range(4)]
    assert [a.status_code for a in typos] == [422] * 4
    starts = ["2026-12-01T09:00:00+01:00", "2026-12-01T09:00:00+01:00", "2026-12-01T14:00:00+01:00",
              "2026-12-01T16:00:00+01:00"]
    answers = [
        await client.post("/api/v1/bookings", json=body(start=s, patient=patient(email=f"t{i}@example.org")))
        for i, s in enumerate(starts)
    ]
    assert [a.status_code for a in answers] == [201, 409, 201, 429]


def _client_at(app, address: str):
    import httpx2

    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app, client=(address, 4242)), base_url="http://t")


async def test_an_ipv6_64_is_one_client(client):
    """A client holds a whole /64: each new address of it used to get a fresh budget."""
    starts = ["2026-12-01T09:00:00+01:00", "2026-12-01T14:00:00+01:00", "2026-12-01T16:00:00+01:00"]
    statuses = []
    for i, start in enumerate(starts):
        async with _client_at(client.app, f"2001:db8:1:2::{i + 1:x}") as other:
            answer = await other.post("/api/v1/bookings", json=body(
                start=start, patient=patient(email=f"v{i}@example.org", phone=f"06 12 34 56 7{i}")))
            statuses.append(answer.status_code)
    async with _client_at(client.app, "2001:db8:1:3::1") as neighbour:
        answer = await neighbour.post("/api/v1/bookings", json=body(
            start="2026-12-02T09:00:00+01:00", patient=patient(email="w@example.org", phone="06 12 34 56 99")))
    assert statuses == [201, 201, 429]
    assert answer.status_code == 201  # the next /64 is another client


def test_client_keys():
    from portal.web.ratelimit import client_key

    assert client_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == client_key("2001:db8:1:2::1") == "ip:2001:db8:1:2::/64"
    assert client_key("::ffff:192.0.2.7") == client_key("192.0.2.7") == "ip:192.0.2.7"
    assert client_key("fe80::1%eth0") == "ip:fe80::/64"
    assert client_key("not an address") == "ip:not an address"


async def test_the_shared_counters_hold_no_phone_number_nor_address(client):
    from portal.models import ThrottleCounter

    answer = await client.post("/api/v1/bookings", json=body(patient=patient(phone="06 12 34 56 78")))
    assert answer.status_code == 201
    keys = await ThrottleCounter.all().values_list("key", flat=True)
    assert {key.split(":")[0] for key in keys} == {"attempt", "book", "practitioner"}
    assert not any("612345678" in key or "127.0.0.1" in key for key in keys)
