"""The practice's back-office (issue 13, item 9): server time of the core reads the /admin pages
will make, measured in-process (no HTTP: the web layer is wired later), median and p95.

(a) The week view of one practitioner (portal.booking.agenda.agenda) with 2,000 appointments:
    a year of history, the coming weeks, and the measured week full. Target: under 50 ms.
(b) A search over 20,000 patients of the practice (portal.patients.directory.search), first page
    of 25: a name fragment, an exact phone in another spelling, an e-mail prefix, a term that
    matches nobody (the whole practice scanned), as an administrator and as a practitioner (the
    scope's EXISTS on appointments). Target: under 50 ms.
On SQLite, and on PostgreSQL when CRENEAU_TEST_POSTGRES_URL is set (a database of its own).
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, time as clock_time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks import pg
from creneau import database as db
from portal.booking.agenda import agenda
from portal.context import Actor, ActorKind, Ctx, Scope
from portal.models import Appointment, Practitioner, Service
from portal.patients.directory import search
from portal.patients.search_key import search_key
from portal.practice.demo import load_demo
from portal.sql import insert_many
from portal.tokens import new_token, token_hash

PARIS = ZoneInfo("Europe/Paris")
APPOINTMENTS, PATIENTS, ROUNDS = 2_000, 20_000, 40
FIRST = ["Élise", "Marc", "Inès", "Paul", "Léa", "Hugo", "Chloé", "Louis", "Zoé", "Jules", "Anaïs", "Noé"]
LAST = ["Durand", "Martin", "Bernard", "Petit", "Moreau", "Lefèvre", "Roux", "Girard", "Faure", "André",
        "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier"]


def _next_monday() -> date:
    today = date.today()
    return today + timedelta(days=7 - today.weekday())


def _patient_rows(practice_id: int, now: datetime) -> list[dict]:
    rng = random.Random(11)
    rows = []
    for i in range(PATIENTS):
        first, last = rng.choice(FIRST), f"{rng.choice(LAST)}{'' if i % 3 else '-' + rng.choice(LAST)}"
        email, phone = f"patient{i}@example.org", f"+336{10000000 + i * 37:08d}"
        rows.append(dict(practice_id=practice_id, civility="", first_name=first, last_name=last, email=email,
                         phone=phone, birth_date=date(1950 + i % 60, 1 + i % 12, 1 + i % 28), locale="fr",
                         search_key=search_key(first, last, email, phone), created_at=now, updated_at=now))
    return rows


async def _fill(first_monday: date) -> int:
    """The demo, 20,000 patients, and 2,000 appointments of Camille among the first 2,000 of them."""
    practice = await load_demo()
    now = datetime.now(UTC)
    from tortoise import connections

    rows = _patient_rows(practice.id, now)
    for batch in range(0, len(rows), 80):  # portal.sql numbers at most 999 parameters
        await insert_many(connections.get("default"), "patient", tuple(rows[0]), rows[batch:batch + 80])
    practitioner = await Practitioner.get(slug="camille-martin")
    service = await Service.get(practitioner_id=practitioner.id, slug="consultation-adulte")
    rng = random.Random(3)
    week = {first_monday + timedelta(days=d) for d in range(5)}
    days = [first_monday + timedelta(days=d) for d in range(-330, 56) if (first_monday + timedelta(days=d)).weekday() < 5]
    in_week = [(day, q) for day in sorted(week) for q in range(9 * 4, 19 * 4)]  # the measured week full
    others = [(day, q) for day in days if day not in week for q in range(9 * 4, 12 * 4)]
    quarters = in_week + rng.sample(others, APPOINTMENTS - len(in_week))
    appointments = []
    for i, (day, q) in enumerate(quarters):
        start = datetime.combine(day, clock_time(q // 4, (q % 4) * 15), PARIS).astimezone(UTC)
        end = start + timedelta(minutes=15)
        appointments.append(Appointment(
            practice_id=practice.id, practitioner_id=practitioner.id, service_id=service.id, patient_id=1 + i,
            starts_at=start, ends_at=end, blocked_from=start, blocked_until=end,
            manage_token_hash=token_hash(new_token())))
    await Appointment.bulk_create(appointments, batch_size=500)
    return practitioner.id


def _staff(role: str, practice_id: int, practitioners: frozenset[int] | None) -> Ctx:
    return Ctx(Actor(ActorKind.STAFF, "1", role), datetime.now(UTC), scope=Scope(frozenset({practice_id}), practitioners),
               channel="admin")


async def _timed(call) -> tuple[float, float]:
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


QUERIES = {"name fragment 'lefe'": "lefe", "phone '06 10 00 37 00'": "06 10 00 37 00",
           "e-mail 'patient1999'": "patient1999", "no match 'zzzz'": "zzzz"}


async def _measure(url: str, label: str) -> list[tuple[str, str, str]]:
    first_monday = _next_monday()
    await db.migrate(url)
    await db.close()
    await db.init(url)
    try:
        camille = await _fill(first_monday)
        practice_id = (await Practitioner.get(id=camille)).practice_id
        admin = _staff("admin", practice_id, None)
        practitioner = _staff("practitioner", practice_id, frozenset({camille}))
        week = await agenda(admin, [camille], first_monday, 7)
        shown = len(week.practitioners[0].appointments)
        rows = []
        median, p95 = await _timed(lambda: agenda(admin, [camille], first_monday, 7))
        rows.append((f"admin (a) {label} week view, {shown} of 2,000 appts, median / p95",
                     f"{median:.1f} / {p95:.1f} ms", "< 50 ms"))
        for who, ctx in (("admin", admin), ("practitioner", practitioner)):
            for name, query in QUERIES.items():
                median, p95 = await _timed(lambda ctx=ctx, query=query: search(ctx, query))
                rows.append((f"admin (b) {label} search 20,000, {who}, {name}", f"{median:.1f} / {p95:.1f} ms",
                             "< 50 ms"))
        return rows
    finally:
        await db.close()


def run() -> list[tuple[str, str, str]]:
    workdir = Path(tempfile.mkdtemp(prefix="creneau-admin-bench-"))
    try:
        rows = asyncio.run(_measure(f"sqlite://{workdir}/admin.sqlite3", "SQLite"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    postgres = os.environ.get("CRENEAU_TEST_POSTGRES_URL")
    if postgres:
        rows += _postgres(postgres)
    return rows


def _postgres(admin_url: str) -> list[tuple[str, str, str]]:
    name = "creneau_admin_bench"
    url = asyncio.run(pg.create_database(admin_url, name))
    try:
        return asyncio.run(_measure(url, "PostgreSQL"))
    finally:
        asyncio.run(pg.drop_database(admin_url, name))


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
