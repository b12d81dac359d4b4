"""is_bookable and blocked_interval: what the booking code relies on."""

from datetime import timedelta

import pytest

from portal.scheduling import Interval, blocked_interval, is_bookable

from .helpers import MONDAY, NOW, PARIS, list_slots, minutes, paris, rule, service, taken

CALENDAR = dict(rules=[rule(0, "09:00", "12:00")], service=service(step=30), now=NOW, tz=PARIS)


@pytest.mark.parametrize(
    ("start", "extra", "expected"),
    [
        pytest.param(paris(MONDAY, "09:30"), {}, True, id="listed-slot"),
        pytest.param(paris(MONDAY, "09:30").astimezone(PARIS), {}, True, id="listed-slot-given-in-paris-time"),
        pytest.param(paris(MONDAY, "09:10"), {}, False, id="off-grid"),
        pytest.param(paris(MONDAY, "11:45"), {}, False, id="would-end-after-closing"),
        pytest.param(paris(MONDAY, "12:00"), {}, False, id="at-closing-time"),
        pytest.param(paris(MONDAY, "09:30"), dict(appointments=[taken(MONDAY, "09:45", "10:15")]), False, id="taken"),
        pytest.param(paris(MONDAY, "09:30"), dict(busy=[taken(MONDAY, "09:00", "09:35")]), False, id="busy"),
        pytest.param(paris(MONDAY, "09:30"), dict(appointments=[taken(MONDAY, "09:00", "09:30")]), True,
                     id="touching-previous-appointment"),
        pytest.param(paris(MONDAY, "09:30"), dict(now=paris(MONDAY, "09:31")), False, id="in-the-past"),
        pytest.param(paris(MONDAY, "09:30"), dict(service=service(min_notice=timedelta(hours=2)),
                                                 now=paris(MONDAY, "08:00")), False, id="too-short-notice"),
    ],
)
def test_is_bookable(start, extra, expected):
    assert is_bookable(start, **{**CALENDAR, **extra}) is expected


def test_every_listed_slot_is_bookable():
    appointments = [taken(MONDAY, "10:00", "10:40")]
    slots = list_slots(rules=CALENDAR["rules"], appointments=appointments, service=service(step=10))
    assert slots
    kwargs = {**CALENDAR, "service": service(step=10), "appointments": appointments}
    assert all(is_bookable(slot.start, **kwargs) for slot in slots)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        pytest.param(0, 0, ("10:00", "10:30"), id="no-buffers"),
        pytest.param(5, 10, ("09:55", "10:40"), id="with-buffers"),
    ],
)
def test_blocked_interval(before, after, expected):
    svc = service(buffer_before=minutes(before), buffer_after=minutes(after))
    expected_interval = Interval(paris(MONDAY, expected[0]), paris(MONDAY, expected[1]))
    assert blocked_interval(paris(MONDAY, "10:00"), svc) == expected_interval
