"""Inconsistent input fails loudly with a message saying what is wrong."""

from datetime import date, datetime, time, timedelta

import pytest

from portal.scheduling import (
    DateException,
    Interval,
    ServiceRules,
    Slot,
    WeeklyBreak,
    WeeklyRule,
    available_slots,
    blocked_interval,
    is_bookable,
)

from .helpers import MONDAY, NOW, PARIS, rule, service

NAIVE = datetime(2026, 6, 1, 9, 0)
HOUR = timedelta(hours=1)
CALENDAR = dict(rules=[rule(0, "09:00", "12:00")], service=service(), tz=PARIS)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(lambda: WeeklyRule(0, time(12), time(9)), "must be before end", id="rule-start-after-end"),
        pytest.param(lambda: WeeklyRule(0, time(9), time(9)), "must be before end", id="rule-empty"),
        pytest.param(lambda: WeeklyRule(7, time(9), time(12)), "weekday", id="rule-weekday-7"),
        pytest.param(lambda: WeeklyRule(-1, time(9), time(12)), "weekday", id="rule-weekday-negative"),
        pytest.param(lambda: WeeklyRule(True, time(9), time(12)), "weekday", id="rule-weekday-bool"),
        pytest.param(lambda: WeeklyRule(0, time(9, tzinfo=PARIS), time(12)), "naive", id="rule-aware-time"),
        pytest.param(lambda: WeeklyBreak(0, time(14), time(12)), "must be before end", id="break-reversed"),
        pytest.param(lambda: WeeklyBreak(9, time(12), time(14)), "weekday", id="break-weekday"),
        pytest.param(lambda: DateException(MONDAY, date(2026, 5, 1), "closed"), "before start_date",
                     id="exception-dates-reversed"),
        pytest.param(lambda: DateException(MONDAY, MONDAY, "holiday"), "kind", id="exception-unknown-kind"),
        pytest.param(lambda: DateException(MONDAY, MONDAY, "open", time(9)), "both start and end",
                     id="exception-only-start"),
        pytest.param(lambda: DateException(MONDAY, MONDAY, "closed", time(12), time(9)), "must be before end",
                     id="exception-times-reversed"),
        pytest.param(lambda: DateException(NOW, NOW, "closed"), "must be a date", id="exception-datetime"),
        pytest.param(lambda: Interval(NAIVE, NOW), "timezone-aware", id="interval-naive"),
        pytest.param(lambda: Interval(NOW, NOW), "must be before end", id="interval-empty"),
        pytest.param(lambda: Slot(NOW, NAIVE), "timezone-aware", id="slot-naive"),
        pytest.param(lambda: ServiceRules(duration=timedelta(0)), "duration must be positive", id="zero-duration"),
        pytest.param(lambda: ServiceRules(duration=HOUR, step=timedelta(0)), "step must be positive", id="zero-step"),
        pytest.param(lambda: ServiceRules(duration=HOUR, buffer_after=-HOUR), "buffer_after", id="negative-buffer"),
        pytest.param(lambda: ServiceRules(duration=HOUR, min_notice=-HOUR), "min_notice", id="negative-notice"),
        pytest.param(lambda: ServiceRules(duration=HOUR, daily_limit=-1), "daily_limit", id="negative-limit"),
        pytest.param(lambda: ServiceRules(duration=timedelta(hours=23), buffer_before=HOUR, buffer_after=HOUR),
                     "must fit in 1 day", id="longer-than-a-day"),
        pytest.param(lambda: available_slots(now=NAIVE, start_date=MONDAY, end_date=MONDAY, **CALENDAR),
                     "now must be timezone-aware", id="naive-now"),
        pytest.param(lambda: available_slots(now=NOW, start_date=MONDAY, end_date=date(2026, 5, 31), **CALENDAR),
                     "end_date 2026-05-31 is before start_date 2026-06-01", id="range-reversed"),
        pytest.param(lambda: available_slots(now=NOW, start_date=MONDAY, end_date=MONDAY,
                                             **{**CALENDAR, "tz": "Europe/Paris"}), "tz must be a tzinfo",
                     id="zone-name-instead-of-zone"),
        pytest.param(lambda: is_bookable(NAIVE, now=NOW, **CALENDAR), "start must be timezone-aware",
                     id="bookable-naive-start"),
        pytest.param(lambda: blocked_interval(NAIVE, service()), "start must be timezone-aware",
                     id="blocked-naive-start"),
    ],
)
def test_invalid_input_raises_value_error(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_datetimes_are_normalised_to_utc():
    local = datetime(2026, 6, 1, 9, 0, tzinfo=PARIS)
    interval = Interval(local, local + HOUR)
    assert interval.start == local
    assert interval.start.utcoffset() == timedelta(0)
    assert str(interval.start.tzinfo) == "UTC"
