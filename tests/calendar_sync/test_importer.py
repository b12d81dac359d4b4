"""Busy time from Google, Outlook and Apple exports: recurrences, exceptions, all-day, DST."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from calendar_sync.importer import MalformedCalendar, busy_intervals, merge
from tests.calendar_sync.conftest import feed_bytes

PARIS = ZoneInfo("Europe/Paris")
WINTER = (datetime(2026, 11, 30, tzinfo=UTC), datetime(2027, 1, 10, tzinfo=UTC))


def local(name: str, start=WINTER[0], end=WINTER[1]) -> list[tuple[str, str]]:
    return [(a.astimezone(PARIS).strftime("%m-%d %H:%M"), b.astimezone(PARIS).strftime("%m-%d %H:%M"))
            for a, b in busy_intervals(feed_bytes(name), PARIS, start, end)]


def test_google_series_with_exdate_moved_occurrence_all_day_and_ignored_events():
    assert local("google.ics") == [
        ("12-01 14:00", "12-01 15:30"),
        ("12-03 10:00", "12-03 11:00"),  # given in UTC
        ("12-04 00:00", "12-05 00:00"),  # all-day: the whole local day
        # 12-02 birthday is TRANSP:TRANSPARENT, 12-07 call is STATUS:CANCELLED
        ("12-09 10:00", "12-09 11:30"),  # RECURRENCE-ID: the 12-08 occurrence moved
        ("12-15 14:00", "12-15 15:30"),
        # 12-22: EXDATE
        ("12-29 14:00", "12-29 15:30"),
        ("01-05 14:00", "01-05 15:30"),
    ]


def test_outlook_windows_zone_names_and_busy_status():
    assert local("outlook.ics") == [
        ("12-07 10:00", "12-07 11:00"),  # TZID:Romance Standard Time
        ("12-08 10:00", "12-08 11:00"),  # the 12-08 09:00 "free" event is transparent
        ("12-10 16:00", "12-10 17:00"),  # moved occurrence; 12-09 is an EXDATE
        ("12-11 10:00", "12-11 11:00"),  # UNTIL is inclusive
        ("12-18 00:00", "12-19 00:00"),  # all-day out of office
    ]


def test_apple_every_other_week_floating_time_and_multi_day_holidays():
    assert local("apple.ics") == [
        ("12-02 12:00", "12-02 13:00"),  # floating time: the practice's local time
        ("12-03 17:00", "12-03 18:30"),
        ("12-18 08:00", "12-18 09:30"),  # the 12-17 occurrence moved to the next morning
        ("12-28 00:00", "01-02 00:00"),  # holidays; the 12-31 yoga falls inside and merges
    ]


def test_occurrences_keep_their_local_time_across_the_dst_change():
    march = (datetime(2027, 3, 20, tzinfo=UTC), datetime(2027, 4, 10, tzinfo=UTC))
    google = busy_intervals(feed_bytes("google.ics"), PARIS, *march)
    assert [(a.strftime("%m-%d %H:%M"), a.astimezone(PARIS).strftime("%H:%M")) for a, _ in google] == [
        ("03-23 13:00", "14:00"),  # CET, UTC+1
        ("03-30 12:00", "14:00"),  # CEST, UTC+2 (the series ends that day)
    ]
    apple = busy_intervals(feed_bytes("apple.ics"), PARIS, *march)
    assert [a.strftime("%m-%d %H:%M") for a, _ in apple] == ["03-25 16:00", "04-08 15:00"]


def test_intervals_are_clipped_to_the_horizon():
    start, end = datetime(2026, 12, 4, 12, tzinfo=UTC), datetime(2026, 12, 9, 9, 30, tzinfo=UTC)
    spans = busy_intervals(feed_bytes("google.ics"), PARIS, start, end)
    assert spans == [(start, datetime(2026, 12, 4, 23, tzinfo=UTC)), (datetime(2026, 12, 9, 9, tzinfo=UTC), end)]


@pytest.mark.parametrize("body, message", [
    (b"", "not an iCalendar"),
    (b"<!doctype html><title>Sign in</title>", "not an iCalendar"),
    (feed_bytes("google.ics")[:1500], "truncated"),
])
def test_malformed_bodies_are_refused(body, message):
    with pytest.raises(MalformedCalendar, match=message):
        busy_intervals(body, PARIS, *WINTER)


def test_one_broken_event_is_skipped_not_the_whole_calendar():
    broken = b"BEGIN:VEVENT\r\nUID:broken\r\nDTSTART:notadate\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    body = feed_bytes("outlook.ics").replace(b"END:VCALENDAR\r\n", broken)
    assert len(busy_intervals(body, PARIS, *WINTER)) == 5


def test_merge_joins_overlapping_and_touching_spans():
    a, b, c, d = (datetime(2026, 12, 1, h, tzinfo=UTC) for h in (8, 9, 10, 12))
    assert merge([(c, d), (a, b), (b, c)]) == [(a, d)]
    assert merge([(a, b), (c, d)]) == [(a, b), (c, d)]
