"""No double booking, whatever the timing: 30 client processes race for overlapping slots
against a server of two worker processes; exactly one wins, everyone else gets 409."""

import multiprocessing
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.models import Appointment, Practitioner
from portal.practice.demo import OSTEOPATH_HOURS
from portal.scheduling import WeeklyRule, is_public_holiday, opening_intervals
from tests.builders import consents, load_demo, patient
from tests.concurrency.racer import race
from tests.concurrency.server import live_server

RACERS = 30
PARIS = ZoneInfo("Europe/Paris")
# The racers start at 9:00, 9:15, 9:30 and 9:45 for 45 minutes: the morning must be open until 10:30.
FIRST_START, LAST_END = time(9), time(10, 30)
OSTEOPATH_RULES = [WeeklyRule(day, opens, closes) for day, spans in OSTEOPATH_HOURS.items() for opens, closes in spans]


def race_start(today: date, days_ahead: int = 7) -> datetime:
    """9:00 on the first day at least `days_ahead` after `today` when the demo osteopath is open
    9:00–10:30 by the server's own rules (public holidays and closed days skipped). `today` is an
    argument: the live server reads the real clock, this helper reads none."""
    day = today + timedelta(days=days_ahead)
    while not _open_for_the_race(day):
        day += timedelta(days=1)
    return datetime.combine(day, FIRST_START, PARIS)


def _open_for_the_race(day: date) -> bool:
    first, last = datetime.combine(day, FIRST_START, PARIS), datetime.combine(day, LAST_END, PARIS)
    return any(span.start <= first and last <= span.end
               for span in opening_intervals(day, rules=OSTEOPATH_RULES, tz=PARIS))


@pytest.mark.parametrize(("today", "expected"), [
    pytest.param(date(2026, 7, 7), date(2026, 7, 15), id="tuesday-14-july-skipped"),
    pytest.param(date(2026, 7, 6), date(2026, 7, 13), id="a-plain-monday"),
    pytest.param(date(2026, 7, 5), date(2026, 7, 13), id="sunday-closed"),
    pytest.param(date(2026, 5, 7), date(2026, 5, 15), id="ascension-thursday-skipped"),
    pytest.param(date(2026, 5, 18), date(2026, 5, 26), id="whit-monday-skipped"),
    pytest.param(date(2026, 10, 25), date(2026, 11, 2), id="all-saints-on-a-sunday"),
    pytest.param(date(2026, 12, 18), date(2026, 12, 26), id="christmas-skipped-saturday-morning-open"),
])
def test_the_race_day_is_a_working_day(today, expected):
    assert race_start(today) == datetime.combine(expected, time(9), PARIS)


def test_every_day_of_two_years_gives_a_bookable_morning_within_the_horizon():
    today = date(2026, 1, 1)
    while today <= date(2027, 12, 31):
        day = race_start(today).date()
        assert 7 <= (day - today).days <= 10, today  # well within the 60-day booking horizon
        assert not is_public_holiday(day) and day.weekday() in OSTEOPATH_HOURS, today
        today += timedelta(days=1)


def bodies(first: datetime) -> list[dict]:
    # 45 minutes plus a 15-minute buffer: starts 15 minutes apart all overlap one another.
    starts = [first + timedelta(minutes=15 * (i % 4)) for i in range(RACERS)]
    return [
        {"practitioner": "camille-martin", "service": "consultation-adulte", "start": start.isoformat(),
         "patient": patient(email=f"racer{i}@example.org", first_name=f"Racer{chr(65 + i % 26)}"),
         "consents": consents()}
        for i, start in enumerate(starts)
    ]


def run_race(url: str, first: datetime) -> list[tuple[int, str]]:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(RACERS), ctx.Queue()
    processes = [ctx.Process(target=race, args=(f"{url}/api/v1/bookings", body, barrier, results))
                 for body in bodies(first)]
    for process in processes:
        process.start()
    answers = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    return answers


async def test_thirty_processes_one_winner(any_database, tmp_path):
    await load_demo()
    # This race is about the database's overlap guard: the practitioner's online limits (which
    # hold a unit for each booking in flight) would answer some racers 429 before they reach it.
    await Practitioner.filter(slug="camille-martin").update(online_bookings_per_hour=0, online_bookings_per_day=0)
    with live_server(any_database, tmp_path, workers=2) as server:
        answers = run_race(server.url, race_start(date.today()))  # the server's clock is the real one
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(201) == 1, answers
    assert statuses.count(409) == RACERS - 1, answers
    assert all(status < 500 and status != 0 for status in statuses)
    assert await Appointment.all().count() == 1
