"""Europe/Paris DST days: every listed instant exists, once, at the right offset.

2026-03-29: 02:00 local jumps to 03:00 (+01:00 -> +02:00) at 01:00 UTC.
2026-10-25: 03:00 local falls back to 02:00 (+02:00 -> +01:00) at 01:00 UTC.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.scheduling import DEFAULT_TZ, opening_intervals

from .helpers import PARIS, list_slots, minutes, paris, rule, service, utc

SPRING_SUNDAY = date(2026, 3, 29)
AUTUMN_SUNDAY = date(2026, 10, 25)
NIGHT = [rule(6, "00:00", "06:00")]


def every(first: str, count: int, step_minutes: int = 30) -> list[datetime]:
    return [utc(first) + minutes(step_minutes * i) for i in range(count)]


@pytest.mark.parametrize(
    ("day", "duration", "expected_starts"),
    [
        # 6 hours of wall clock, 5 real hours: 23:00Z..04:00Z.
        pytest.param(SPRING_SUNDAY, 30, every("2026-03-28T23:00", 10), id="spring-forward-night"),
        # 6 hours of wall clock, 7 real hours: 22:00Z..05:00Z, 02:xx listed twice in wall time.
        pytest.param(AUTUMN_SUNDAY, 30, every("2026-10-24T22:00", 14), id="fall-back-night"),
        pytest.param(SPRING_SUNDAY, 90, every("2026-03-28T23:00", 8), id="spring-90-min-service"),
        pytest.param(AUTUMN_SUNDAY, 90, every("2026-10-24T22:00", 12), id="fall-back-90-min-service"),
    ],
)
def test_night_interval_on_dst_sundays(day, duration, expected_starts):
    the_day_before = paris(day, "00:00") - timedelta(days=1)
    slots = list_slots(day=day, rules=NIGHT, service=service(duration=duration, step=30), now=the_day_before)
    starts = [slot.start for slot in slots]
    assert starts == expected_starts
    assert len(set(starts)) == len(starts)
    # Exactly `duration` of absolute time, whatever the wall clock says.
    assert all(slot.end - slot.start == minutes(duration) for slot in slots)
    assert all(slot.end.timestamp() - slot.start.timestamp() == duration * 60 for slot in slots)
    # Every start is a real Paris wall time (no phantom time from the gap).
    for start in starts:
        local = start.astimezone(PARIS)
        assert local.replace(tzinfo=None).replace(tzinfo=PARIS, fold=local.fold).astimezone(UTC) == start


@pytest.mark.parametrize(
    ("day", "first_slot_utc", "offset_hours"),
    [
        pytest.param(date(2026, 3, 28), "2026-03-28T08:00", 1, id="saturday-before-spring"),
        pytest.param(SPRING_SUNDAY, "2026-03-29T07:00", 2, id="spring-sunday"),
        pytest.param(date(2026, 3, 30), "2026-03-30T07:00", 2, id="monday-after-spring"),
        pytest.param(date(2026, 10, 24), "2026-10-24T07:00", 2, id="saturday-before-autumn"),
        pytest.param(AUTUMN_SUNDAY, "2026-10-25T08:00", 1, id="autumn-sunday"),
        pytest.param(date(2026, 10, 26), "2026-10-26T08:00", 1, id="monday-after-autumn"),
    ],
)
def test_daytime_hours_around_dst(day, first_slot_utc, offset_hours):
    rules = [rule(weekday, "09:00", "12:00") for weekday in range(7)]
    slots = list_slots(day=day, rules=rules, now=paris(day, "00:00") - timedelta(days=1))
    assert slots[0].start == utc(first_slot_utc)
    assert len(slots) == 6  # 3 real hours on every one of these days
    assert {slot.start.astimezone(PARIS).utcoffset() for slot in slots} == {timedelta(hours=offset_hours)}


@pytest.mark.parametrize(
    ("day", "start", "end", "expected"),
    [
        pytest.param(SPRING_SUNDAY, "02:30", "04:00", [("2026-03-29T01:00", "2026-03-29T02:00")],
                     id="start-in-gap-moves-to-03:00"),
        pytest.param(SPRING_SUNDAY, "01:00", "02:30", [("2026-03-29T00:00", "2026-03-29T01:00")],
                     id="end-in-gap-moves-to-03:00"),
        pytest.param(SPRING_SUNDAY, "02:00", "03:00", [], id="interval-inside-gap-vanishes"),
        pytest.param(AUTUMN_SUNDAY, "02:00", "03:00", [("2026-10-25T00:00", "2026-10-25T02:00")],
                     id="ambiguous-hour-covers-both-passes"),
        pytest.param(AUTUMN_SUNDAY, "02:30", "04:00", [("2026-10-25T00:30", "2026-10-25T03:00")],
                     id="ambiguous-start-takes-first-pass"),
        pytest.param(AUTUMN_SUNDAY, "01:00", "02:30", [("2026-10-24T23:00", "2026-10-25T01:30")],
                     id="ambiguous-end-takes-second-pass"),
    ],
)
def test_opening_interval_bounds_on_dst_sundays(day, start, end, expected):
    intervals = opening_intervals(day, rules=[rule(6, start, end)], tz=DEFAULT_TZ)
    assert [(i.start, i.end) for i in intervals] == [(utc(a), utc(b)) for a, b in expected]


def test_grid_restarts_at_first_existing_instant_after_gap():
    slots = list_slots(
        day=SPRING_SUNDAY, rules=[rule(6, "02:15", "04:00")], service=service(duration=30, step=30),
        now=utc("2026-03-01T00:00"),
    )
    assert [slot.start.astimezone(PARIS).strftime("%H:%M%z") for slot in slots] == [
        "03:00+0200", "03:30+0200",
    ]
