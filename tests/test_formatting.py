"""Dates and times as each language writes them, in the practice's zone (DST included)."""

from datetime import UTC, date, datetime

from portal.formatting import day_heading, duration, full_datetime, phone_display, short_datetime, time_of_day
from tests.builders import PARIS

NB = "\u00a0"


def test_french_and_english_full_date_and_time():
    moment = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)  # 9:30 in Paris (winter)
    assert full_datetime(moment, PARIS, "fr") == f"mardi 1 décembre 2026 à 9{NB}h{NB}30"
    assert full_datetime(moment, PARIS, "en") == f"Tuesday 1 December 2026 at 9:30{NB}AM"


def test_summer_time_and_afternoon():
    moment = datetime(2026, 7, 3, 12, 5, tzinfo=UTC)  # 14:05 in Paris (summer)
    assert time_of_day(moment, PARIS, "fr") == f"14{NB}h{NB}05"
    assert time_of_day(moment, PARIS, "en") == f"2:05{NB}PM"


def test_day_headings_durations_and_phone():
    assert day_heading(date(2026, 12, 3), "fr") == "Jeudi 3 décembre"
    assert day_heading(date(2026, 12, 3), "en", with_year=True) == "Thursday 3 December 2026"
    assert (duration(45, "fr"), duration(90, "fr"), duration(60, "en")) == ("45 min", "1 h 30", "1 h")
    assert phone_display("+33142000000") == "01 42 00 00 00" and phone_display("+447700900123") == "+447700900123"


def test_sms_style_is_short_and_has_no_special_spaces():
    moment = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 11:00 in Paris
    assert short_datetime(moment, PARIS, "fr") == "mar. 1 déc. à 11h00"
    assert short_datetime(moment, PARIS, "en") == "Tue 1 Dec at 11:00AM"


def test_a_repeated_wall_time_says_which_pass():
    first, second = datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert full_datetime(first, PARIS, "fr") == f"dimanche 31 octobre 2027 à 2{NB}h{NB}30{NB}(heure d'été)"
    assert full_datetime(second, PARIS, "fr") == f"dimanche 31 octobre 2027 à 2{NB}h{NB}30{NB}(heure d'hiver)"
    assert time_of_day(second, PARIS, "en") == f"2:30{NB}AM{NB}(winter time)"
    assert short_datetime(first, PARIS, "fr") == "dim. 31 oct. à 2h30 (été)"
    assert short_datetime(second, PARIS, "en") == "Sun 31 Oct at 2:30AM (winter)"
    # The hour after, and the spring change (no wall time repeats), say nothing more.
    assert time_of_day(datetime(2027, 10, 31, 2, 30, tzinfo=UTC), PARIS, "fr") == f"3{NB}h{NB}30"
    assert time_of_day(datetime(2027, 3, 28, 1, 30, tzinfo=UTC), PARIS, "fr") == f"3{NB}h{NB}30"
