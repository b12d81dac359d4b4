"""Throttles hold across web processes (issue 10 item 4): clients in their own OS processes,
firing at once against a server of two worker processes, get no more bookings than the limit.
Each process used to count in its own memory: two workers let through twice the limit."""

import multiprocessing
from datetime import date, timedelta

from portal.models import Appointment
from tests.builders import consents, load_demo, patient
from tests.concurrency.racer import race
from tests.concurrency.server import live_server
from tests.concurrency.test_no_double_booking import race_start

CLIENTS = 8
LIMIT = 3


def bookings(today: date) -> list[dict]:
    """Slots that never overlap (a different working day each), phones and e-mails all distinct."""
    days: list = []
    ahead = 7
    while len(days) < CLIENTS:
        start = race_start(today, ahead)
        if start not in days:
            days.append(start)
        ahead += 1
    return [
        {"practitioner": "camille-martin", "service": "consultation-adulte", "start": start.isoformat(),
         "patient": patient(email=f"client{i}@example.org", phone=f"06 12 34 56 {10 + i}"), "consents": consents()}
        for i, start in enumerate(days)
    ]


def fire(url: str, bodies: list[dict]) -> list[tuple[int, str]]:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(bodies)), ctx.Queue()
    processes = [ctx.Process(target=race, args=(f"{url}/api/v1/bookings", body, barrier, results)) for body in bodies]
    for process in processes:
        process.start()
    answers = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    return answers


async def test_the_per_address_limit_holds_across_two_web_processes(any_database, tmp_path):
    await load_demo()
    with live_server(any_database, tmp_path, workers=2, BOOKING_RATE_LIMIT=f"{LIMIT}/hour") as server:
        answers = fire(server.url, bookings(date.today() + timedelta(days=0)))  # the server's clock is the real one
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * LIMIT + [429] * (CLIENTS - LIMIT), answers
    assert await Appointment.all().count() == LIMIT
