"""A phone booking taken by the practice and online bookings racing for the same slot, from
separate OS processes: the database lets exactly one of them through, every round."""

import multiprocessing
from datetime import timedelta

from portal.models import Appointment, Practitioner
from tests.builders import load_demo, paris
from tests.concurrency.phone_racer import race

ROUNDS = 4
RACERS = (("phone", 0), ("phone", 1), ("online", 2), ("online", 3))


def starts() -> list:
    # Weekday mornings the osteopath works; starts 15 minutes apart overlap (45 min + 15 buffer).
    days = [paris(2026, 12, day, 9) for day in (1, 3, 7, 8)]
    return [[day + timedelta(minutes=15 * (index % 2)) for day in days[:ROUNDS]] for _, index in RACERS]


async def test_one_booking_per_slot_whoever_takes_it(any_database, now):
    await load_demo()
    camille = await Practitioner.get(slug="camille-martin")
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(len(RACERS)), spawn.Queue()
    processes = [spawn.Process(target=race, args=(any_database, kind, index, racer_starts, now, camille.practice_id,
                                                  camille.id, barrier, results))
                 for (kind, index), racer_starts in zip(RACERS, starts())]
    for process in processes:
        process.start()
    answers = [results.get(timeout=120) for _ in range(ROUNDS * len(RACERS))]
    for process in processes:
        process.join(timeout=30)
    for round_ in range(ROUNDS):
        outcomes = sorted(outcome for r, _, outcome in answers if r == round_)
        assert outcomes == ["booked", "taken", "taken", "taken"], answers
    assert await Appointment.all().count() == ROUNDS
    assert await Appointment.filter(source="phone").count() == sum(
        1 for _, kind, outcome in answers if kind == "phone" and outcome == "booked")
