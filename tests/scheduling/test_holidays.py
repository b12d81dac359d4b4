from datetime import date

import pytest

from portal.scheduling import french_public_holidays, is_public_holiday

EXPECTED = {
    2026: {
        date(2026, 1, 1), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 8),
        date(2026, 5, 14), date(2026, 5, 25), date(2026, 7, 14), date(2026, 8, 15),
        date(2026, 11, 1), date(2026, 11, 11), date(2026, 12, 25),
    },
    2027: {
        date(2027, 1, 1), date(2027, 3, 29), date(2027, 5, 1), date(2027, 5, 6),
        date(2027, 5, 8), date(2027, 5, 17), date(2027, 7, 14), date(2027, 8, 15),
        date(2027, 11, 1), date(2027, 11, 11), date(2027, 12, 25),
    },
}


@pytest.mark.parametrize("year", sorted(EXPECTED), ids=str)
def test_french_public_holidays_match_the_official_calendar(year):
    assert french_public_holidays(year) == frozenset(EXPECTED[year])


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 12, 25), True, id="christmas-2026"),
        pytest.param(date(2027, 3, 29), True, id="easter-monday-2027"),
        pytest.param(date(2027, 5, 6), True, id="ascension-2027"),
        pytest.param(date(2027, 5, 17), True, id="whit-monday-2027"),
        pytest.param(date(2027, 3, 28), False, id="easter-sunday-is-not-a-day-off"),
        pytest.param(date(2027, 5, 13), False, id="thursday-a-week-after-ascension"),
        pytest.param(date(2026, 12, 26), False, id="boxing-day-only-in-alsace-moselle"),
        pytest.param(date(2026, 6, 1), False, id="ordinary-monday"),
    ],
)
def test_is_public_holiday(day, expected):
    assert is_public_holiday(day) is expected


def test_a_region_closes_on_its_own_holidays_only():
    from datetime import time

    from portal.scheduling import WeeklyRule, opening_intervals
    good_friday = date(2027, 3, 26)
    friday = [WeeklyRule(4, time(9), time(12))]
    assert opening_intervals(good_friday, rules=friday)  # metropolitan France works that day
    assert opening_intervals(good_friday, rules=friday, holiday_region="57") == []  # Moselle does not
    assert is_public_holiday(date(2026, 5, 22), "972") and not is_public_holiday(date(2026, 5, 22))
