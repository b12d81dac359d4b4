"""Costs against history (issue 16): the same requests at a small and a large deployment, side
by side as a ratio, so that any cost that grows with history shows at once.

Small: 2,000 appointments and 10 practitioners; large: 1,000,000 appointments and 10,000
practitioners. At both sizes the measured practitioner has the same 1,000 appointments in the
feed's window (the last three weeks); before the window it has 1,000 / 100,000 appointments of
its own, and the rest of the large history is spread over 899 other practitioners. Rows are seeded in bulk SQL (tests/bulk.py), then ANALYZE, as a live database
would have statistics. Requests run in-process through httpx2's ASGITransport (the app's own
time: routing, queries, rendering), p50 of 30 (20 bookings, each a distinct free slot): CPU time
on SQLite (the database works in this process), wall time on PostgreSQL.
SQLite always; PostgreSQL too when CRENEAU_TEST_POSTGRES_URL is set (a database of its own).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2

from benchmarks import pg
from calendar_sync.tokens import create_feed_token
from creneau import database as db
from creneau.app import create_app
from portal import context
from portal.models import Practitioner, Service
from portal.patients.consent_texts import PRIVACY_NOTICE_VERSION
from portal.practice.demo import load_demo
from portal.settings import load_settings
from portal.web.api.catalog import encode_cursor
from tests import bulk


@dataclass(frozen=True)
class Scale:
    label: str
    appointments: int
    practitioners: int


SMALL = Scale("2,000 appts, 10 practitioners", 2_000, 10)
LARGE = Scale("1,000,000 appts, 10,000 practitioners", 1_000_000, 10_000)
RECENT = 1_000  # in the feed window, on the measured practitioner, at both scales
OWN_HISTORY = 100_000  # the measured practitioner's history before the window (at most)
SPREAD_EACH = 1_000  # the rest of the history: this many per other practitioner
REQUESTS = 30
BOOKINGS = 20
SLUG, SERVICE = "camille-martin", "consultation-adulte"


async def _seed(scale: Scale, now: datetime) -> float:
    """Seconds taken by the bulk rows (appointments, patients, practitioners, statistics)."""
    practice = await load_demo()
    started = time.perf_counter()
    await bulk.seed_practitioners(practice.id, scale.practitioners - 2, tag="bulk", profession="Kinésithérapeute",
                                  service="seance", now=now)
    first_patient = await bulk.seed_patients(practice.id, 1_000, now)
    camille = await Practitioner.get(slug=SLUG)
    camille_service = await Service.get(practitioner_id=camille.id, slug=SERVICE)
    # The bench books 20 times in a minute: no per-practitioner online limit (0011: 0 is none).
    await Practitioner.filter(id=camille.id).update(online_bookings_per_hour=0, online_bookings_per_day=0)
    # PostgreSQL: the appointment B-trees and foreign keys built and checked once after the rows.
    async with bulk.indexes_deferred("appointment"):
        await bulk.seed_history(camille.id, camille_service.id, practice.id, count=RECENT, before=now - timedelta(days=1),
                                first_patient=first_patient, patients=1_000)
        # The measured practitioner's own history grows 100x; the rest of the deployment's is spread
        # over practitioners of 1,000 appointments each (as history is; and the exclusion
        # constraint's GiST index takes rows of many practitioners at twice the rate of one's).
        own = min(OWN_HISTORY, scale.appointments - RECENT)
        spread = (scale.appointments - RECENT - own) // SPREAD_EACH
        jobs = [bulk.seed_history(camille.id, camille_service.id, practice.id, count=own, before=now - timedelta(days=100),
                                  first_patient=first_patient, patients=1_000)]
        halves = (spread // 2, spread - spread // 2)
        for offset, count in ((0, halves[0]), (halves[0], halves[1])):
            if count:
                jobs.append(bulk.seed_spread_history(practice.id, tag="bulk", practitioners=count, offset=offset,
                                                     per=SPREAD_EACH, before=now - timedelta(days=100),
                                                     first_patient=first_patient, patients=1_000))
        if db_is_postgres():  # on several connections: the exclusion constraint's GiST index is the cost there
            await asyncio.gather(*jobs)
        else:  # one writer at a time anyway
            for job in jobs:
                await job
    await bulk.analyze()
    return time.perf_counter() - started


def db_is_postgres() -> bool:
    from tortoise import connections

    return connections.get("default").capabilities.dialect == "postgres"


def _clock() -> float:
    """ms. On SQLite the database works in this process (aiosqlite's thread): its CPU time per
    request is the app's whole cost and does not move with the load of other processes on this
    shared machine, where wall times moved 2-3x between runs. PostgreSQL works in its own
    processes: wall time there."""
    return (time.perf_counter() if db_is_postgres() else time.process_time()) * 1000


async def _p50(client: httpx2.AsyncClient, path: str, headers: dict | None = None, expect: int = 200,
               count: int = REQUESTS) -> float:
    for _ in range(3):  # warm-up: templates, caches, first queries
        assert (await client.get(path, headers=headers)).status_code == expect
    timings = []
    for _ in range(count):
        started = _clock()
        response = await client.get(path, headers=headers)
        timings.append(_clock() - started)
        assert response.status_code == expect, (path, response.status_code)
    return statistics.median(timings)


def _booking(start: str, i: int) -> dict:
    return {"practitioner": SLUG, "service": SERVICE, "start": start,
            "patient": {"civility": "", "first_name": "Patient", "last_name": f"Numéro {chr(65 + i % 26)}",
                        "email": f"g{i}@example.org", "phone": "+33612345678", "birth_date": "1990-05-05"},
            "consents": {"privacy_notice": PRIVACY_NOTICE_VERSION, "email_reminders": True, "sms_reminders": True}}


async def _measure(app, now: datetime) -> dict[str, float]:
    token = (await create_feed_token(context.system("bench", now=now), SLUG, level="busy")).token
    today = now.date()
    monday = today + timedelta(days=7 - today.weekday())
    slots = f"/api/v1/practitioners/{SLUG}/slots?service={SERVICE}&from={today}&to={today + timedelta(days=13)}"
    middle = encode_cursor({"last_name": "Nom3", "first_name": "Prénom1", "id": 1})
    results = {}
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://bench") as client:
        results["slots, 14 days"] = await _p50(client, slots)
        results["week page (HTML)"] = await _p50(client, f"/p/{SLUG}?service={SERVICE}&week={monday}")
        results["practitioner list, first page"] = await _p50(client, "/api/v1/practitioners?limit=20")
        results["practitioner list, a middle page"] = await _p50(
            client, f"/api/v1/practitioners?limit=20&cursor={middle}")
        feed = await client.get(f"/feeds/{token}.ics")
        assert feed.status_code == 200
        results["feed (1,000 in window)"] = await _p50(client, f"/feeds/{token}.ics", count=10)
        results["feed 304"] = await _p50(client, f"/feeds/{token}.ics", {"If-None-Match": feed.headers["etag"]},
                                         expect=304)
        free = [slot["start"] for slot in (await client.get(slots.replace(
            f"to={today + timedelta(days=13)}", f"to={today + timedelta(days=40)}"))).json()["slots"]]
        timings = []
        for i, start in enumerate(free[::4][:BOOKINGS]):  # a slot's neighbours overlap it: every 4th
            started = _clock()
            response = await client.post("/api/v1/bookings", json=_booking(start, i))
            timings.append(_clock() - started)
            assert response.status_code == 201, response.text
        results["booking (POST)"] = statistics.median(timings)
    return results


async def _one(url: str, scale: Scale, workdir: Path) -> tuple[float, dict[str, float]]:
    await db.migrate(url)
    await db.close()
    await db.init(url)
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        seconds = await _seed(scale, now)
        settings = load_settings({"DATABASE_URL": url, "SECRET_KEY": "g" * 40, "CRENEAU_VAR_DIR": str(workdir),
                                  "EMAIL_BACKEND": "memory", "SMS_BACKEND": "memory", "BOOKING_RATE_LIMIT": "0",
                                  "BASE_URL": "https://rdv.example.fr"}, env_file=None)
        return seconds, await _measure(create_app(settings, manage_db=False, run_background=False), now)
    finally:
        await db.close()


TARGETS = {
    "feed (1,000 in window)": "large <= 1.5x small",
    "feed 304": "< 10 ms p50 at any size",
    "practitioner list, first page": "< 10 ms p50",
    "practitioner list, a middle page": "< 10 ms p50",
}


def _rows(name: str, seeded: float, small: dict[str, float], large: dict[str, float]) -> list[tuple[str, str, str]]:
    rows = [(f"growth {name}: seed {LARGE.label}", f"{seeded:.0f} s", "< 60 s")]
    unit = "ms wall" if name == "PostgreSQL" else "ms CPU"
    for what in small:
        rows.append((f"growth {name}: {what}, large / small", f"{large[what] / small[what]:.2f}x",
                     f"{small[what]:.1f} -> {large[what]:.1f} {unit} p50; {TARGETS.get(what, 'flat')}"))
    return rows


def _sqlite(workdir: Path) -> list[tuple[str, str, str]]:
    results = []
    for scale in (SMALL, LARGE):
        directory = workdir / scale.label.split()[0].replace(",", "")
        directory.mkdir()
        results.append(asyncio.run(_one(f"sqlite://{directory}/bench.sqlite3", scale, directory)))
    return _rows("SQLite", results[1][0], results[0][1], results[1][1])


def _postgres(admin_url: str, workdir: Path) -> list[tuple[str, str, str]]:
    results = []
    for i, scale in enumerate((SMALL, LARGE)):
        name = f"creneau_growth_bench_{i}"
        url = asyncio.run(pg.create_database(admin_url, name))
        try:
            results.append(asyncio.run(_one(url, scale, workdir)))
        finally:
            asyncio.run(pg.drop_database(admin_url, name))
    return _rows("PostgreSQL", results[1][0], results[0][1], results[1][1])


def run() -> list[tuple[str, str, str]]:
    workdir = Path(tempfile.mkdtemp(prefix="creneau-growth-bench-"))
    try:
        rows = _sqlite(workdir)
        postgres = os.environ.get("CRENEAU_TEST_POSTGRES_URL")
        if postgres:
            rows += _postgres(postgres, workdir)
        return rows
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    started = time.perf_counter()
    for row in run():
        print(" | ".join(row))
    print(f"({time.perf_counter() - started:.0f} s)")
