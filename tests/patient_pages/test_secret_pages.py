"""Pages that carry a manage token are never stored by a cache (issue 10 item 5)."""

from tests.builders import book, paris
from tests.patient_pages.test_booking_pages import TUESDAY_9, filled, form_url

NO_STORE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}


def secret_headers(response) -> dict:
    return {name: response.headers.get(name) for name in NO_STORE}


async def test_the_booking_form_redirect_and_every_manage_page_are_no_store(client, frozen):
    form = await client.get(form_url(TUESDAY_9))
    booked = await client.post("/p/camille-martin/book", data=filled(form.text))
    assert booked.status_code == 303 and booked.headers["location"].startswith("/b/")
    assert secret_headers(booked) == NO_STORE
    url = f"/b/{(await book(paris(2026, 12, 1, 14), frozen)).manage_token}"
    for path in (url, url + "/calendar.ics", url + "/cancel", url + "/move", "/b/unknown-token"):
        assert secret_headers(await client.get(path)) == NO_STORE, path
    cancelled = await client.post(url + "/cancel", data={"csrf_token": "wrong"})
    assert secret_headers(cancelled) == NO_STORE
