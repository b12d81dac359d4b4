"""Which slots a patient sees, depending on the practitioner's calendar."""

from datetime import date, timedelta

import pytest

from portal.scheduling import DateException, WeeklyBreak, opening_intervals

from .helpers import MONDAY, PARIS, TUESDAY, WEDNESDAY, dated_walls, hm, list_slots, paris, rule, walls

MON_9_12 = [rule(0, "09:00", "12:00")]
MON_DAY = [rule(0, "09:00", "17:00")]
LUNCH = [WeeklyBreak(0, hm("12:00"), hm("14:00"))]


def closed(first: date, last: date | None = None, start: str | None = None, end: str | None = None):
    return DateException(first, last or first, "closed", start and hm(start), end and hm(end))


def opened(first: date, last: date | None = None, start: str | None = None, end: str | None = None):
    return DateException(first, last or first, "open", start and hm(start), end and hm(end))


SINGLE_DAY_CASES = [
    pytest.param(
        dict(rules=[rule(0, "09:00", "12:00"), rule(0, "14:00", "16:00")]),
        ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "14:00", "14:30", "15:00", "15:30"],
        id="two-weekly-rules-same-day",
    ),
    pytest.param(
        dict(rules=[rule(0, "09:00", "10:00"), rule(0, "10:00", "11:00")]),
        ["09:00", "09:30", "10:00", "10:30"],
        id="touching-rules-merge",
    ),
    pytest.param(
        dict(rules=MON_DAY, breaks=LUNCH),
        ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30"],
        id="weekday-with-lunch-break",
    ),
    pytest.param(
        dict(rules=MON_DAY, breaks=[WeeklyBreak(0, hm("10:15"), hm("15:00"))]),
        ["09:00", "09:30", "15:00", "15:30", "16:00", "16:30"],
        id="break-off-grid-cuts-slot-that-would-cross-it",
    ),
    pytest.param(
        dict(rules=MON_9_12, breaks=[WeeklyBreak(1, hm("09:00"), hm("12:00"))]),
        ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"],
        id="break-of-another-weekday-ignored",
    ),
    pytest.param(dict(rules=[rule(1, "09:00", "12:00")]), [], id="no-rule-for-this-weekday"),
    pytest.param(dict(rules=MON_9_12, exceptions=[closed(MONDAY)]), [], id="closed-whole-day"),
    pytest.param(
        dict(rules=MON_9_12, exceptions=[closed(MONDAY, start="10:00", end="11:00")]),
        ["09:00", "09:30", "11:00", "11:30"],
        id="closed-part-of-day",
    ),
    pytest.param(
        dict(rules=MON_9_12, exceptions=[opened(MONDAY, start="17:00", end="18:00")]),
        ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "17:00", "17:30"],
        id="extra-opening-adds-to-weekly-hours",
    ),
    pytest.param(
        dict(rules=MON_9_12, exceptions=[opened(MONDAY, start="11:00", end="13:00")]),
        ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30"],
        id="extra-opening-overlapping-weekly-hours-is-a-union",
    ),
    pytest.param(
        dict(rules=MON_DAY, breaks=LUNCH, exceptions=[opened(MONDAY, start="12:00", end="13:00")]),
        [
            "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30",
            "14:00", "14:30", "15:00", "15:30", "16:00", "16:30",
        ],
        id="extra-opening-during-a-break",
    ),
    pytest.param(
        dict(rules=[], exceptions=[opened(MONDAY, start="08:00", end="09:00")]),
        ["08:00", "08:30"],
        id="extra-opening-on-a-day-without-weekly-hours",
    ),
    pytest.param(
        dict(rules=MON_9_12, exceptions=[opened(MONDAY, start="17:00", end="18:00"), closed(MONDAY)]),
        [],
        id="closed-whole-day-wins-over-extra-opening",
    ),
    pytest.param(
        dict(
            rules=MON_9_12,
            exceptions=[opened(MONDAY, start="17:00", end="19:00"), closed(MONDAY, start="17:30", end="18:30")],
        ),
        ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "17:00", "18:30"],
        id="closed-part-wins-over-extra-opening",
    ),
    pytest.param(
        dict(rules=MON_9_12, exceptions=[opened(MONDAY)]),
        ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"],
        id="whole-day-open-on-ordinary-day-changes-nothing",
    ),
    pytest.param(
        dict(rules=MON_9_12, exceptions=[closed(date(2026, 5, 25), date(2026, 5, 31))]),
        ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"],
        id="closure-range-ending-the-day-before",
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), SINGLE_DAY_CASES)
def test_slots_of_one_monday(kwargs, expected):
    assert walls(list_slots(**kwargs)) == expected


RULES_MON_TO_WED = [rule(0, "09:00", "10:00"), rule(1, "14:00", "15:00"), rule(2, "08:00", "09:00")]

RANGE_CASES = [
    pytest.param(
        dict(rules=RULES_MON_TO_WED),
        [
            "2026-06-01 09:00", "2026-06-01 09:30", "2026-06-02 14:00",
            "2026-06-02 14:30", "2026-06-03 08:00", "2026-06-03 08:30",
        ],
        id="weekly-rules-on-several-days",
    ),
    pytest.param(
        dict(rules=RULES_MON_TO_WED, exceptions=[closed(TUESDAY, date(2026, 6, 20))]),
        ["2026-06-01 09:00", "2026-06-01 09:30"],
        id="date-range-closure-for-practitioner-holidays",
    ),
    pytest.param(
        dict(rules=RULES_MON_TO_WED, exceptions=[closed(MONDAY, TUESDAY, "09:30", "14:30")]),
        ["2026-06-01 09:00", "2026-06-02 14:30", "2026-06-03 08:00", "2026-06-03 08:30"],
        id="partial-closure-repeated-on-each-day-of-range",
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), RANGE_CASES)
def test_slots_over_several_days(kwargs, expected):
    assert dated_walls(list_slots(day=MONDAY, last_day=WEDNESDAY, **kwargs)) == expected


CHRISTMAS_2026 = date(2026, 12, 25)  # a Friday
ASCENSION_2027 = date(2027, 5, 6)  # a Thursday
EASTER_MONDAY_2027 = date(2027, 3, 29)
ALL_WEEK = [rule(weekday, "09:00", "10:00") for weekday in range(7)]
ONE_HOUR = ["09:00", "09:30"]

HOLIDAY_CASES = [
    pytest.param(CHRISTMAS_2026, {}, [], id="christmas-closed"),
    pytest.param(ASCENSION_2027, {}, [], id="ascension-closed"),
    pytest.param(EASTER_MONDAY_2027, {}, [], id="easter-monday-closed"),
    pytest.param(date(2026, 12, 24), {}, ONE_HOUR, id="christmas-eve-open"),
    pytest.param(CHRISTMAS_2026, dict(holidays_closed=False), ONE_HOUR, id="holidays-not-closed"),
    pytest.param(CHRISTMAS_2026, dict(exceptions=[opened(CHRISTMAS_2026)]), ONE_HOUR, id="reopened-whole-day"),
    pytest.param(
        EASTER_MONDAY_2027,
        dict(exceptions=[opened(date(2027, 3, 27), date(2027, 3, 31))]),
        ONE_HOUR,
        id="reopened-by-a-range",
    ),
    pytest.param(
        ASCENSION_2027,
        dict(exceptions=[opened(ASCENSION_2027, start="11:00", end="12:00")]),
        ["11:00", "11:30"],
        id="timed-open-on-holiday-opens-only-those-hours",
    ),
    pytest.param(
        ASCENSION_2027,
        dict(exceptions=[opened(ASCENSION_2027), opened(ASCENSION_2027, start="11:00", end="12:00")]),
        ["09:00", "09:30", "11:00", "11:30"],
        id="whole-day-and-timed-open-on-holiday",
    ),
    pytest.param(
        CHRISTMAS_2026,
        dict(exceptions=[opened(CHRISTMAS_2026), closed(CHRISTMAS_2026)]),
        [],
        id="closed-wins-over-reopening",
    ),
]


@pytest.mark.parametrize(("day", "kwargs", "expected"), HOLIDAY_CASES)
def test_public_holidays(day, kwargs, expected):
    a_week_before = paris(day - timedelta(days=7), "08:00")
    assert walls(list_slots(day=day, rules=ALL_WEEK, now=a_week_before, **kwargs)) == expected


def test_opening_intervals_are_merged_sorted_utc():
    intervals = opening_intervals(
        MONDAY,
        rules=[rule(0, "14:00", "18:00"), rule(0, "09:00", "12:00"), rule(0, "11:00", "13:00")],
        breaks=[WeeklyBreak(0, hm("16:00"), hm("16:30"))],
        tz=PARIS,
    )
    assert [(i.start, i.end) for i in intervals] == [
        (paris(MONDAY, "09:00"), paris(MONDAY, "13:00")),
        (paris(MONDAY, "14:00"), paris(MONDAY, "16:00")),
        (paris(MONDAY, "16:30"), paris(MONDAY, "18:00")),
    ]
    assert str(intervals[0].start.tzinfo) == "UTC"


def test_opening_intervals_empty_on_closed_holiday():
    assert opening_intervals(CHRISTMAS_2026, rules=ALL_WEEK, tz=PARIS) == []
