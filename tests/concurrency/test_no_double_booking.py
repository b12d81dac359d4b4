"""No double booking, whatever the timing: 30 client processes race for overlapping slots
against a server of two worker processes; exactly one wins, everyone else gets 409."""

import multiprocessing
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.models import Appointment
from tests.builders import consents, load_demo, patient
from tests.concurrency.racer import race
from tests.concurrency.server import live_server

RACERS = 30


def next_tuesday_nine(days_ahead: int = 7) -> datetime:
    """A real future slot: the server reads the real clock."""
    day = date.today() + timedelta(days=days_ahead)
    while day.weekday() != 1:
        day += timedelta(days=1)
    return datetime.combine(day, time(9), ZoneInfo("Europe/Paris"))


def bodies() -> list[dict]:
    first = next_tuesday_nine()
    # 45 minutes plus a 15-minute buffer: starts 15 minutes apart all overlap one another.
    starts = [first + timedelta(minutes=15 * (i % 4)) for i in range(RACERS)]
    return [
        {"practitioner": "camille-martin", "service": "consultation-adulte", "start": start.isoformat(),
         "patient": patient(email=f"racer{i}@example.org", first_name=f"Racer{chr(65 + i % 26)}"),
         "consents": consents()}
        for i, start in enumerate(starts)
    ]


def run_race(url: str) -> list[tuple[int, str]]:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(RACERS), ctx.Queue()
    processes = [ctx.Process(target=race, args=(f"{url}/api/v1/bookings", body, barrier, results))
                 for body in bodies()]
    for process in processes:
        process.start()
    answers = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    return answers


async def test_thirty_processes_one_winner(any_database, tmp_path):
    await load_demo()
    with live_server(any_database, tmp_path, workers=2) as server:
        answers = run_race(server.url)
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(201) == 1, answers
    assert statuses.count(409) == RACERS - 1, answers
    assert all(status < 500 and status != 0 for status in statuses)
    assert await Appointment.all().count() == 1
