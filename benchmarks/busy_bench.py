"""A large imported calendar and slot listing (issue 10 item 3).

A calendar with a 30-second event every minute (87,300 of them over 62 days: what a hostile or
broken export can hold) imported as busy blocks for Camille, then `list_slots` over 62 days
in-process on SQLite (the database read, the interval index and the slot grid): as the importer
stored such a calendar before (one row per event, gaps of 30 s kept) and as it stores it now (gaps
shorter than the shortest possible visit filled, `ImportLimits.min_gap`); and with as many blocks
as one source may now store (`ImportLimits.blocks`), none mergeable. Median of 7 runs.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from calendar_sync.importer import ImportLimits, merge
from creneau import database as db
from portal.booking.availability import list_slots, load_target
from portal.models import BusyBlock, Practitioner
from portal.practice.demo import load_demo

BLOCKS = 87_300


def _spans(first: date) -> list[tuple[datetime, datetime]]:
    start = datetime.combine(first, datetime.min.time(), UTC)
    return [(start + timedelta(minutes=i), start + timedelta(minutes=i, seconds=30)) for i in range(BLOCKS)]


async def _measure(url: str, spans: list[tuple[datetime, datetime]], first: date) -> tuple[float, int]:
    await db.migrate(url)
    await db.close()
    await db.init(url)
    try:
        await load_demo()
        camille = await Practitioner.get(slug="camille-martin")
        await BusyBlock.bulk_create([BusyBlock(practitioner_id=camille.id, starts_at=a, ends_at=b, source_id=1)
                                     for a, b in spans], batch_size=1000)
        target = await load_target("camille-martin", "consultation-adulte")
        now = datetime.combine(first, datetime.min.time(), UTC) - timedelta(days=1)
        timings = []
        for _ in range(7):
            started = time.perf_counter()
            await list_slots(target, first, first + timedelta(days=61), now)
            timings.append(time.perf_counter() - started)
        return statistics.median(timings) * 1000, len(spans)
    finally:
        await db.close()


def run() -> list[tuple[str, str, str]]:
    first = date.today() + timedelta(days=1)
    raw = _spans(first)
    workdir = Path(tempfile.mkdtemp(prefix="creneau-bench-"))
    try:
        before = asyncio.run(_measure(f"sqlite://{workdir}/before.sqlite3", merge(raw), first))
        after = asyncio.run(_measure(f"sqlite://{workdir}/after.sqlite3", merge(raw, ImportLimits().min_gap), first))
        # The most a source may store now (ImportLimits.blocks), none mergeable: 30 s every 2 minutes.
        start = datetime.combine(first, datetime.min.time(), UTC)
        sparse = [(start + timedelta(minutes=2 * i), start + timedelta(minutes=2 * i, seconds=30))
                  for i in range(ImportLimits().blocks)]
        cap = asyncio.run(_measure(f"sqlite://{workdir}/cap.sqlite3", sparse, first))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return [
        (f"busy slots 62 days, {cap[1]:,} unmergeable blocks (the cap per source)", f"{cap[0]:.0f} ms", ""),
        (f"busy slots 62 days, {before[1]:,} blocks as stored before", f"{before[0]:.0f} ms", ""),
        (f"busy slots 62 days, same calendar stored now ({after[1]:,} blocks)", f"{after[0]:.1f} ms", "< 30 ms"),
    ]
