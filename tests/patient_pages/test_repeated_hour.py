"""The repeated hour of the autumn change (Paris, 31 October 2027: 02:00–03:00 happens twice):
pages name each pass, and an appointment inside it or across it downloads as the right instants."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from icalendar import Calendar

from portal.models import OpeningHours, Practitioner
from tests.builders import OSTEO, OSTEO_SERVICE, book, load_demo

# 02:45 summer time (00:45 UTC) + 45 min = 02:30 winter time (01:30 UTC): crosses the change.
CROSSING_START = datetime(2027, 10, 31, 0, 45, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return datetime(2027, 10, 25, 8, tzinfo=UTC)  # the Monday of the change's week


async def open_the_night_of_the_change() -> None:
    practitioner = await Practitioner.get(slug=OSTEO)
    await OpeningHours.create(practitioner=practitioner, weekday=6, starts=0, ends=6 * 60)


async def test_week_page_names_each_pass_of_the_repeated_hour(app_factory, make_client, frozen):
    await load_demo()
    await open_the_night_of_the_change()
    async with make_client() as client:
        page = (await client.get(f"/p/{OSTEO}?service={OSTEO_SERVICE}&week=2027-10-25")).text
    buttons = re.findall(r'aria-label="([^"]*)">([^<]*)</a>', page)
    sunday = [(unescape(label), unescape(text)) for label, text in buttons if "31 octobre" in unescape(label)]
    texts = [text for _, text in sunday]
    labels = [label for label, _ in sunday]
    assert len(texts) == len(set(texts)) and len(labels) == len(set(labels))
    assert "2\u00a0h\u00a015\u00a0(heure d'été)" in texts and "2\u00a0h\u00a015\u00a0(heure d'hiver)" in texts
    assert "dimanche 31 octobre 2027 à 2\u00a0h\u00a030\u00a0(heure d'hiver)" in labels
    assert "3\u00a0h\u00a000" in texts  # an ordinary time says nothing more


async def test_calendar_download_of_a_visit_across_the_change_is_right(app_factory, make_client, frozen):
    await load_demo()
    await open_the_night_of_the_change()
    result = await book(CROSSING_START, frozen)
    async with make_client() as client:
        answer = await client.get(f"/b/{result.manage_token}/calendar.ics")
        page = await client.get(f"/b/{result.manage_token}")
    assert answer.status_code == 200
    event = Calendar.from_ical(answer.content).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == CROSSING_START
    assert event.decoded("DTEND") == CROSSING_START + timedelta(minutes=45)
    assert "dimanche 31 octobre 2027 à 2\u00a0h\u00a045\u00a0(heure d&#39;été)" in page.text
