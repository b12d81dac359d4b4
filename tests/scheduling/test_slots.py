"""Booking constraints: buffers, existing bookings, notice, horizon, limit, grid."""

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.scheduling import Interval, WeeklyBreak, available_slots

from .helpers import (
    MONDAY,
    NOW,
    TUESDAY,
    dated_walls,
    hm,
    list_slots,
    minutes,
    paris,
    rule,
    service,
    taken,
    walls,
)

MORNING = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
SUNDAY = date(2026, 5, 31)

BOOKING_CASES = [
    pytest.param({}, MORNING, id="free-morning"),
    pytest.param(
        dict(appointments=[taken(MONDAY, "10:00", "10:30")]),
        ["09:00", "09:30", "10:30", "11:00", "11:30"],
        id="appointment-touching-neighbours-allowed",
    ),
    pytest.param(
        dict(appointments=[taken(MONDAY, "10:00", "10:30")], service=service(buffer_after=minutes(10))),
        ["09:00", "10:30", "11:00", "11:30"],
        id="buffer-after-removes-slot-before",
    ),
    pytest.param(
        dict(appointments=[taken(MONDAY, "10:00", "10:30")], service=service(buffer_before=minutes(10))),
        ["09:00", "09:30", "11:00", "11:30"],
        id="buffer-before-removes-slot-after",
    ),
    pytest.param(
        dict(rules=[rule(0, "09:00", "10:00")], service=service(buffer_before=minutes(60), buffer_after=minutes(60))),
        ["09:00", "09:30"],
        id="buffers-may-spill-outside-opening-hours",
    ),
    pytest.param(
        dict(busy=[taken(MONDAY, "10:15", "10:45")]),
        ["09:00", "09:30", "11:00", "11:30"],
        id="busy-block-off-grid",
    ),
    pytest.param(
        dict(
            appointments=[
                taken(MONDAY, "11:30", "12:00"), taken(MONDAY, "09:00", "09:30"), taken(TUESDAY, "09:00", "12:00"),
            ],
            busy=[taken(MONDAY, "10:30", "11:00"), taken(MONDAY, "10:40", "10:50")],
        ),
        ["09:30", "10:00", "11:00"],
        id="unsorted-appointments-and-overlapping-busy",
    ),
    pytest.param(
        dict(busy=[Interval(paris(SUNDAY, "20:00"), paris(MONDAY, "09:10"))]),
        ["09:30", "10:00", "10:30", "11:00", "11:30"],
        id="busy-block-from-the-day-before",
    ),
    pytest.param(dict(appointments=[taken(MONDAY, "08:00", "13:00")]), [], id="fully-booked"),
    pytest.param(dict(now=paris(MONDAY, "11:00")), ["11:00", "11:30"], id="past-slots-never-listed"),
    pytest.param(dict(now=paris(MONDAY, "09:40")), ["10:00", "10:30", "11:00", "11:30"], id="now-between-grid-points"),
    pytest.param(
        dict(now=paris(MONDAY, "08:50"), service=service(min_notice=timedelta(hours=1))),
        ["10:00", "10:30", "11:00", "11:30"],
        id="min-notice",
    ),
    pytest.param(
        dict(now=paris(MONDAY, "09:00"), service=service(min_notice=timedelta(hours=1))),
        ["10:00", "10:30", "11:00", "11:30"],
        id="min-notice-boundary-inclusive",
    ),
    pytest.param(
        dict(now=paris(MONDAY, "08:00"), service=service(horizon=timedelta(hours=2))),
        ["09:00", "09:30", "10:00"],
        id="horizon-boundary-inclusive",
    ),
    pytest.param(
        dict(now=paris(SUNDAY, "08:00"), service=service(horizon=timedelta(hours=12))), [], id="beyond-horizon"
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), BOOKING_CASES)
def test_booking_constraints(kwargs, expected):
    assert walls(list_slots(**kwargs)) == expected


@pytest.mark.parametrize(
    ("before", "after", "last_before", "first_after"),
    [
        pytest.param(0, 0, "09:30", "10:30", id="no-buffers"),
        pytest.param(5, 10, "09:20", "10:35", id="buffers-5-before-10-after"),
        pytest.param(15, 0, "09:30", "10:45", id="only-before"),
    ],
)
def test_buffers_at_five_minute_precision(before, after, last_before, first_after):
    """Around an appointment blocked 10:00-10:30, with a 30-minute service."""
    svc = service(step=5, buffer_before=minutes(before), buffer_after=minutes(after))
    starts = walls(list_slots(service=svc, appointments=[taken(MONDAY, "10:00", "10:30")]))
    around = [start for start in starts if "09:00" < start < "11:00"]
    assert around[around.index(last_before) + 1] == first_after
    # The table sits exactly on the touching positions: one grid step closer
    # and the blocked range would overlap the appointment.
    assert (paris(MONDAY, last_before) + minutes(30 + after)) == paris(MONDAY, "10:00")
    assert (paris(MONDAY, first_after) - minutes(before)) == paris(MONDAY, "10:30")


@pytest.mark.parametrize(
    ("rules", "duration", "step", "expected"),
    [
        pytest.param([rule(0, "09:00", "10:00")], 30, 5,
                     ["09:00", "09:05", "09:10", "09:15", "09:20", "09:25", "09:30"], id="step-5"),
        pytest.param([rule(0, "09:00", "10:00")], 30, 15, ["09:00", "09:15", "09:30"], id="step-15"),
        pytest.param([rule(0, "09:00", "10:00")], 30, 30, ["09:00", "09:30"], id="step-30"),
        pytest.param([rule(0, "09:00", "10:00")], 20, 15, ["09:00", "09:15", "09:30"], id="duration-20-step-15"),
        pytest.param([rule(0, "09:00", "10:00")], 45, 30, ["09:00"], id="duration-45-step-30"),
        pytest.param([rule(0, "09:10", "10:00")], 15, 15, ["09:10", "09:25", "09:40"], id="grid-anchored-on-opening"),
        pytest.param([rule(0, "09:00", "10:00")], 60, 15, ["09:00"], id="service-fills-opening"),
        pytest.param([rule(0, "09:00", "10:00")], 61, 15, [], id="service-longer-than-opening"),
        pytest.param([rule(0, "09:00", "10:00"), rule(0, "10:30", "11:30")], 75, 15, [],
                     id="service-longer-than-every-opening-interval"),
    ],
)
def test_grid(rules, duration, step, expected):
    slots = list_slots(rules=rules, service=service(duration=duration, step=step))
    assert walls(slots) == expected
    assert all(slot.end - slot.start == minutes(duration) for slot in slots)


def test_service_does_not_cross_a_break():
    slots = list_slots(
        rules=[rule(0, "09:00", "12:00")],
        breaks=[WeeklyBreak(0, hm("10:00"), hm("10:30"))],
        service=service(duration=90, step=30),
    )
    assert walls(slots) == ["10:30"]


TWO_DAYS = [rule(0, "09:00", "10:00"), rule(1, "09:00", "10:00")]
BOTH_DAYS = ["2026-06-01 09:00", "2026-06-01 09:30", "2026-06-02 09:00", "2026-06-02 09:30"]
ONLY_TUESDAY = ["2026-06-02 09:00", "2026-06-02 09:30"]
# Outside opening hours on purpose: the limit counts appointments, not overlaps.
MONDAY_EVENING = [taken(MONDAY, "18:00", "18:30"), taken(MONDAY, "19:00", "19:30")]


@pytest.mark.parametrize(
    ("limit", "appointments", "busy", "expected"),
    [
        pytest.param(None, MONDAY_EVENING, [], BOTH_DAYS, id="no-limit"),
        pytest.param(3, MONDAY_EVENING, [], BOTH_DAYS, id="under-limit"),
        pytest.param(2, MONDAY_EVENING, [], ONLY_TUESDAY, id="limit-reached"),
        pytest.param(0, [], [], [], id="limit-zero-closes-booking"),
        pytest.param(1, [], MONDAY_EVENING, BOTH_DAYS, id="busy-blocks-do-not-count"),
        pytest.param(
            1, [taken(MONDAY, "00:30", "01:00")], [], ONLY_TUESDAY, id="local-day-counts-after-local-midnight"
        ),
        pytest.param(1, [taken(SUNDAY, "23:30", "23:45")], [], BOTH_DAYS, id="previous-local-day-does-not-count"),
    ],
)
def test_daily_limit(limit, appointments, busy, expected):
    slots = list_slots(
        day=MONDAY, last_day=TUESDAY, rules=TWO_DAYS, appointments=appointments, busy=busy,
        service=service(daily_limit=limit),
    )
    assert dated_walls(slots) == expected


def test_slots_are_sorted_utc_and_default_zone_is_paris():
    rules = [rule(weekday, "09:00", "12:00") for weekday in range(5)]
    kwargs = dict(rules=rules, service=service(), now=NOW, start_date=MONDAY, end_date=date(2026, 6, 5))
    slots = available_slots(**kwargs)
    assert slots == list_slots(day=MONDAY, last_day=date(2026, 6, 5), rules=rules)
    assert slots[0].start == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    assert [slot.start for slot in slots] == sorted(slot.start for slot in slots)
    assert len(slots) == 5 * 6
    assert all(slot.start.tzinfo is UTC for slot in slots)


def test_range_outside_booking_window_is_empty_not_an_error():
    far_past = list_slots(day=date(2020, 1, 6), last_day=date(2020, 1, 31))
    far_future = list_slots(day=date(2030, 1, 7), last_day=date(2030, 1, 31))
    assert far_past == far_future == []
