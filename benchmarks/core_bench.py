"""Booking core: slot computation, the slots endpoint, and the booking rate over HTTP.

(a) available_slots() for one practitioner over 62 days, 2,000 appointments and 300 busy blocks.
(b) GET /api/v1/practitioners/{slug}/slots for 14 days over HTTP, same data (SQLite), p50.
(c) POST /api/v1/bookings with 16 concurrent clients, beside the same inserts done directly
    with tortoise in the same run; and the server's peak resident memory during (b) and (c).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2

from benchmarks import pg
from benchmarks.loadclient import post_all
from benchmarks.procstat import peak_rss_mb
from creneau import database as db
from portal.db import retry_locked
from portal.models import Appointment, BusyBlock, ConsentRecord, OutboxMessage, Patient, Practice
from portal.patients.consent_texts import PRIVACY_NOTICE_VERSION
from portal.practice.demo import create_practitioner, load_demo
from portal.scheduling import Interval, ServiceRules, WeeklyRule, available_slots, is_public_holiday
from tests.concurrency.server import live_server

PARIS = ZoneInfo("Europe/Paris")
APPOINTMENTS, BUSY_BLOCKS = 2_000, 300
CLIENTS, BOOKINGS = 16, 1500
WRK_SLOTS = 6000
# Slot ranges: loadclient books the first BOOKINGS, wrk the next WRK_SLOTS, the raw path
# starts after those (on PostgreSQL it writes into the same database).
RAW_OFFSET = BOOKINGS + WRK_SLOTS
ALL_DAY = {day: [(datetime.min.time(), datetime.max.time().replace(microsecond=0))] for day in range(7)}


def _first_monday() -> date:
    day = date.today() + timedelta(days=1)
    while day.weekday() != 0:
        day += timedelta(days=1)
    return day


def synthetic_calendar(first: date, days: int = 62, seed: int = 7):
    """2,000 non-overlapping 15-minute appointments and 300 busy blocks over `days` days."""
    rng = random.Random(seed)
    quarters = [(d, q) for d in range(days) for q in range(8 * 4, 20 * 4)]  # 08:00-20:00
    chosen = sorted(rng.sample(quarters, APPOINTMENTS))
    appointments = []
    for d, q in chosen:
        start = datetime.combine(first + timedelta(days=d), datetime.min.time(), PARIS) + timedelta(minutes=15 * q)
        appointments.append(Interval(start, start + timedelta(minutes=15)))
    busy = []
    for _ in range(BUSY_BLOCKS):
        d, q = rng.choice(quarters)
        start = datetime.combine(first + timedelta(days=d), datetime.min.time(), PARIS) + timedelta(minutes=15 * q)
        busy.append(Interval(start, start + timedelta(minutes=30)))
    return appointments, busy


def bench_pure(first: date) -> float:
    appointments, busy = synthetic_calendar(first)
    rules = [WeeklyRule(d, t1, t2) for d in range(6) for t1, t2 in
             ((datetime.min.time().replace(hour=8), datetime.min.time().replace(hour=12, minute=30)),
              (datetime.min.time().replace(hour=14), datetime.min.time().replace(hour=20)))]
    service = ServiceRules(duration=timedelta(minutes=30), buffer_after=timedelta(minutes=10),
                           horizon=timedelta(days=90), step=timedelta(minutes=15))
    now = datetime.combine(first, datetime.min.time(), PARIS).astimezone(UTC)
    timings = []
    for _ in range(30):
        started = time.perf_counter()
        available_slots(rules=rules, appointments=appointments, busy=busy, service=service, now=now, tz=PARIS,
                        start_date=first, end_date=first + timedelta(days=61))
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


async def seed_database(url: str, first: date) -> None:
    """The demo, plus a 24/7 practitioner for bookings, plus the synthetic calendar on Camille."""
    await db.migrate(url)
    await db.close()
    await db.init(url)
    try:
        practice = await load_demo()
        await create_practitioner(
            practice, slug="bench", first_name="Banc", last_name="Essai", profession="Kinésithérapeute",
            email="banc.essai@cabinet-des-lilas.example",
            hours=ALL_DAY, services=[dict(slug="seance", name="Séance", duration_minutes=15,
                                          min_notice_minutes=0, horizon_days=365)],
        )
        # The load is the measure here, not a bot: no per-practitioner online limits.
        await practice.practitioners.filter(slug="bench").update(online_bookings_per_hour=0, online_bookings_per_day=0)
        camille = await practice.practitioners.filter(slug="camille-martin").first()
        service = await camille.services.filter(slug="consultation-adulte").first()
        patient = await Patient.create(practice=practice, first_name="Charge", last_name="Test",
                                       email="charge@example.org", phone="+33612345678", birth_date=date(1980, 1, 1))
        appointments, busy = synthetic_calendar(first)
        await Appointment.bulk_create([
            Appointment(practice_id=practice.id, practitioner_id=camille.id, service_id=service.id,
                        patient_id=patient.id, starts_at=a.start, ends_at=a.end, blocked_from=a.start,
                        blocked_until=a.end, manage_token_hash=f"bench-{i}")
            for i, a in enumerate(appointments)
        ], batch_size=500)
        await BusyBlock.bulk_create([BusyBlock(practitioner_id=camille.id, starts_at=b.start, ends_at=b.end)
                                     for b in busy], batch_size=500)
    finally:
        await db.close()


def bench_slots_http(url: str, first: date, requests: int = 200) -> float:
    params = {"service": "consultation-adulte", "from": first.isoformat(),
              "to": (first + timedelta(days=13)).isoformat()}
    timings = []
    with httpx2.Client(base_url=url) as client:
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get("/api/v1/practitioners/camille-martin/slots", params=params)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return statistics.median(timings) * 1000


def booking_body(start: datetime, i: int) -> dict:
    return {"practitioner": "bench", "service": "seance", "start": start.isoformat(),
            "patient": {"civility": "", "first_name": "Patient", "last_name": f"Numéro {chr(65 + i % 26)}",
                        "email": f"p{i}@example.org", "phone": "+33612345678", "birth_date": "1990-05-05"},
            "consents": {"privacy_notice": PRIVACY_NOTICE_VERSION, "email_reminders": True, "sms_reminders": True}}


def future_starts(count: int) -> list[datetime]:
    """Distinct quarter-hours on the 24/7 practitioner (the day's last quarter does not fit: the
    weekly rule ends at 23:59:59), skipping French public holidays (closed)."""
    starts, day = [], date.today() + timedelta(days=3)
    while len(starts) < count:
        if not is_public_holiday(day):
            base = datetime.combine(day, datetime.min.time(), PARIS)
            starts.extend(base + timedelta(minutes=15 * q) for q in range(95))
        day += timedelta(days=1)
    return starts[:count]


def bench_bookings_http(url: str) -> float:
    """BOOKINGS bookings of distinct slots from 16 keep-alive connections (benchmarks.loadclient)."""
    bodies = [json.dumps(booking_body(start, i)).encode() for i, start in enumerate(future_starts(BOOKINGS))]
    elapsed, statuses = post_all(url, "/api/v1/bookings", bodies, connections=CLIENTS)
    assert statuses == {201: BOOKINGS}, statuses
    return BOOKINGS / elapsed


WRK_SCRIPT = """
local i = 0
local threads = {}
function setup(thread) thread:set("offset", #threads) table.insert(threads, thread) end
function init(args) i = offset end
function request()
  i = i + 2
  return wrk.format("POST", "/api/v1/bookings", {["Content-Type"] = "application/json"}, bodies[i])
end
"""


def bench_bookings_wrk(url: str, workdir: Path, seconds: int = 3) -> tuple[float, int] | None:
    """(c) with wrk as the load client (C, 2 threads, 16 connections) when it is installed, a
    second opinion on loadclient's figure. Every request books a distinct slot; returns
    (bookings/s, bookings made)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    # Slots after those loadclient booked.
    starts = future_starts(BOOKINGS + WRK_SLOTS)[BOOKINGS:]
    bodies = [json.dumps(booking_body(start, BOOKINGS + i)) for i, start in enumerate(starts)]
    script = workdir / "book.lua"
    script.write_text("bodies = {" + ",".join(f"[[{body}]]" for body in bodies) + "}\n" + WRK_SCRIPT)
    result = subprocess.run([wrk, "-t2", "-c16", f"-d{seconds}s", "-s", str(script), url],
                            capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    assert "Non-2xx" not in result, result
    requests = int(re.search(r"(\d+) requests in", result).group(1))
    assert requests < len(bodies), "wrk ran out of distinct slots: lengthen the body list"
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result).group(1)), requests


async def bench_raw_inserts(url: str) -> float:
    """The rows one booking writes (patient, appointment, 3 consents, 4 messages), inserted
    directly with tortoise the way the use case does, 16 concurrent tasks."""
    from tortoise.transactions import in_transaction

    await db.init(url)
    try:
        practice = await Practice.first()
        bench = await practice.practitioners.filter(slug="bench").first()
        service = await bench.services.all().first()
        queue = list(enumerate(future_starts(RAW_OFFSET + BOOKINGS)[RAW_OFFSET:]))

        async def insert_one(i: int, start: datetime) -> None:
            async with in_transaction() as conn:
                patient = await Patient.create(practice_id=practice.id, first_name="Patient", last_name="Brut",
                                               email=f"raw{i}@example.org", phone="+33612345678",
                                               birth_date=date(1990, 5, 5), using_db=conn)
                end = start + timedelta(minutes=15)
                appointment = await Appointment.create(
                    practice_id=practice.id, practitioner_id=bench.id, service_id=service.id, patient_id=patient.id,
                    starts_at=start, ends_at=end, blocked_from=start, blocked_until=end,
                    manage_token_hash=f"raw-{i}", using_db=conn)
                await ConsentRecord.bulk_create([
                    ConsentRecord(practice_id=practice.id, patient_id=patient.id, appointment_id=appointment.id,
                                  purpose=purpose, granted=True, text_version="v", text_sha256="0" * 64,
                                  recorded_at=start, channel="api")
                    for purpose in ("privacy_notice", "email_reminders", "sms_reminders")], using_db=conn)
                # What a booking writes: confirmation by e-mail and SMS, the practitioner's notice, a reminder.
                await OutboxMessage.bulk_create([
                    OutboxMessage(practice_id=practice.id, appointment_id=appointment.id, kind=kind,
                                  channel=channel, dedupe_key=f"raw-{i}-{kind}-{channel}", due_at=start,
                                  expires_at=end, next_attempt_at=start)
                    for kind, channel in (("confirmation", "email"), ("confirmation", "sms"),
                                          ("practitioner_booked", "email"), ("reminder", "sms"))], using_db=conn)

        async def worker() -> None:
            while queue:
                await retry_locked(partial(insert_one, *queue.pop()))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CLIENTS)))
        return BOOKINGS / (time.perf_counter() - started)
    finally:
        await db.close()


def run() -> list[tuple[str, str, str]]:
    first = _first_monday()
    pure_ms = bench_pure(first)
    workdir = Path(tempfile.mkdtemp(prefix="creneau-bench-"))
    try:
        url = f"sqlite://{workdir}/bench.sqlite3"
        asyncio.run(seed_database(url, first))
        shutil.copyfile(workdir / "bench.sqlite3", workdir / "raw.sqlite3")
        shutil.copyfile(workdir / "bench.sqlite3", workdir / "inline.sqlite3")
        # As deployed with a separate worker process (INLINE_WORKERS=false, as on PostgreSQL)…
        with live_server(url, workdir, workers=1, INLINE_WORKERS="false") as server:
            slots_p50 = bench_slots_http(server.url, first)
            booking_rate = bench_bookings_http(server.url)
            wrk = bench_bookings_wrk(server.url, workdir)
            rss = peak_rss_mb(server.pid)
        # …and as `make run` serves it, the outbox worker sharing the process (and the SQLite lock).
        inline_url = f"sqlite://{workdir}/inline.sqlite3"
        with live_server(inline_url, workdir, workers=1, EMAIL_BACKEND="file", SMS_BACKEND="file") as server:
            inline_rate = bench_bookings_http(server.url)
            rss = max(rss, peak_rss_mb(server.pid))
        raw_rate = asyncio.run(bench_raw_inserts(f"sqlite://{workdir}/raw.sqlite3"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rows = [
        ("core (a) slots, 62 days, 2,000 appts + 300 busy (pure)", f"{pure_ms:.1f} ms", "< 20 ms"),
        ("core (b) GET slots 14 days over HTTP, p50 (SQLite)", f"{slots_p50:.1f} ms", "< 30 ms"),
        ("core (c) bookings/s over HTTP, 16 connections (loadclient)", f"{booking_rate:.0f}/s", ""),
        ("core (c) raw tortoise inserts/s, same rows", f"{raw_rate:.0f}/s", ""),
        ("core (c) HTTP rate / raw rate, loadclient", f"{booking_rate / raw_rate:.0%}", ">= 50%"),
        *([("core (c) bookings/s over HTTP, wrk 16 connections", f"{wrk[0]:.0f}/s", f"({wrk[1]} booked)"),
           ("core (c) HTTP rate / raw rate, wrk client", f"{wrk[0] / raw_rate:.0%}", ">= 50%")] if wrk else
          [("core (c) with wrk", "not installed", "apt-get install wrk")]),
        ("core (c) bookings/s, worker inside (make run)", f"{inline_rate:.0f}/s", ""),
        ("core server peak RSS during (b)+(c)", f"{rss:.0f} MB", "< 150 MB"),
    ]
    postgres = os.environ.get("CRENEAU_TEST_POSTGRES_URL")
    if postgres:
        rows += bench_postgres(postgres, first)
    return rows


def bench_postgres(admin_url: str, first: date) -> list[tuple[str, str, str]]:
    """(c) again on PostgreSQL, in a database of its own (dropped afterwards)."""
    name = "creneau_bench"
    url = asyncio.run(pg.create_database(admin_url, name))
    workdir = Path(tempfile.mkdtemp(prefix="creneau-bench-"))
    try:
        asyncio.run(seed_database(url, first))
        with live_server(url, workdir, workers=1, INLINE_WORKERS="false") as server:
            http_rate = bench_bookings_http(server.url)
            wrk = bench_bookings_wrk(server.url, workdir)
            rss = peak_rss_mb(server.pid)
        raw_rate = asyncio.run(bench_raw_inserts(url))
    finally:
        asyncio.run(pg.drop_database(admin_url, name))
        shutil.rmtree(workdir, ignore_errors=True)
    return [
        ("core (c) PostgreSQL bookings/s over HTTP, loadclient", f"{http_rate:.0f}/s", ""),
        ("core (c) PostgreSQL raw inserts/s", f"{raw_rate:.0f}/s", ""),
        ("core (c) PostgreSQL HTTP rate / raw rate, loadclient", f"{http_rate / raw_rate:.0%}", ">= 50%"),
        *([("core (c) PostgreSQL bookings/s over HTTP, wrk", f"{wrk[0]:.0f}/s", f"({wrk[1]} booked)"),
           ("core (c) PostgreSQL HTTP rate / raw rate, wrk client", f"{wrk[0] / raw_rate:.0%}", ">= 50%")]
          if wrk else []),
        ("core PostgreSQL server peak RSS during (c)", f"{rss:.0f} MB", "< 150 MB"),
    ]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    for row in run():
        print(" | ".join(row))
