"""Calendar feeds and imports (issue 5).

Feed rows: `GET /feeds/{token}.ics` for one practitioner with 10,000 appointments in the feed's
window, over HTTP from a uvicorn process (SQLite, as `make run` serves it): the first fetch (empty
event cache), the median of later fetches, a 304, the `full` level; beside them, icalendar alone
building and serialising the same 10,000 events in this process. RSS: the server's resident
memory growth (peak VmHWM after the fetches minus VmRSS before the first one).

Import rows: `sync_due` of one source serving a 2,000-event Google-shaped export with 50 weekly
series (EXDATEs, moved occurrences) from a local HTTP server: download, parse, expansion over the
booking horizon, busy blocks replaced in the database. Beside it, icalendar alone parsing the body.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import threading
import time
from datetime import UTC, date, datetime, time as clock_time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2
import icalendar

from benchmarks.calendar_data import google_export
from benchmarks.procstat import status_mb
from calendar_sync.calendars import add_calendar
from calendar_sync.feed import FeedAppointment
from calendar_sync.fetch import make_client
from calendar_sync.sync import sync_due
from calendar_sync.tokens import create_feed_token
from creneau import database as db
from portal import context
from portal.models import Appointment, Patient, Practitioner, Service
from portal.practice.demo import load_demo
from tests.concurrency.server import live_server

PARIS = ZoneInfo("Europe/Paris")
APPOINTMENTS = 10_000
SLUG = "camille-martin"


def _starts(today: date) -> list[datetime]:
    """10,000 half-hours from 80 days back to ~337 days ahead, 08:00–20:00 every day."""
    starts, day = [], today - timedelta(days=80)
    while len(starts) < APPOINTMENTS:
        for half in range(24):
            starts.append(datetime.combine(day, clock_time(8 + half // 2, 30 * (half % 2)), PARIS).astimezone(UTC))
        day += timedelta(days=1)
    return starts[:APPOINTMENTS]


async def _seed(url: str, now: datetime) -> dict[str, str]:
    await db.migrate(url)
    await db.close()
    await db.init(url)
    try:
        practice = await load_demo()
        practitioner = await Practitioner.get(slug=SLUG)
        service = await Service.filter(practitioner_id=practitioner.id).first()
        patients = [Patient(practice_id=practice.id, first_name=f"Prénom{i}", last_name=f"Nom{i}",
                            email=f"p{i}@example.org", phone="+33612345678", birth_date=date(1980, 1, 1))
                    for i in range(500)]
        await Patient.bulk_create(patients, batch_size=500)
        patient_ids = await Patient.all().values_list("id", flat=True)
        rows = []
        for i, start in enumerate(_starts(now.date())):
            end = start + timedelta(minutes=30)
            cancelled = i % 40 == 0 and start < now
            rows.append(Appointment(
                practice_id=practice.id, practitioner_id=practitioner.id, service_id=service.id,
                patient_id=patient_ids[i % len(patient_ids)], starts_at=start, ends_at=end,
                blocked_from=start, blocked_until=end, manage_token_hash=f"bench-{i}",
                status="cancelled_by_patient" if cancelled else "not_filled", cancelled_at=now if cancelled else None,
                comment="Douleur cervicale" if i % 3 == 0 else "",
            ))
        # Newest first: the overlap trigger's index scan then finds nothing to compare with.
        await Appointment.bulk_create(list(reversed(rows)), batch_size=1000)
        return {level: (await create_feed_token(context.system("bench", now=now), SLUG, level=level)).token for level in ("busy", "full")}
    finally:
        await db.close()


def _bench_feed(server_url: str, pid: int, tokens: dict[str, str]) -> dict[str, float]:
    results: dict[str, float] = {}
    with httpx2.Client(base_url=server_url, timeout=60) as client:
        assert client.get("/feeds/warm-up.ics").status_code == 404  # imports, connection, first query
        before = status_mb(pid, "VmRSS")

        def fetch(token: str, **headers) -> tuple[float, httpx2.Response]:
            started = time.perf_counter()
            response = client.get(f"/feeds/{token}.ics", headers=headers)
            return (time.perf_counter() - started) * 1000, response

        results["cold"], first = fetch(tokens["busy"])
        assert first.status_code == 200 and first.text.count("BEGIN:VEVENT") == APPOINTMENTS, first.status_code
        results["warm"] = statistics.median(fetch(tokens["busy"])[0] for _ in range(10))
        results["304"] = statistics.median(
            fetch(tokens["busy"], **{"If-None-Match": first.headers["etag"]})[0] for _ in range(10))
        results["full_cold"], _ = fetch(tokens["full"])
        results["full_warm"] = statistics.median(fetch(tokens["full"])[0] for _ in range(5))
        results["rss"] = status_mb(pid, "VmHWM") - before
        results["bytes"] = len(first.content)
    return results


def _icalendar_alone(appointments: list[FeedAppointment]) -> float:
    """What the route would cost building every event with icalendar (no cache)."""
    started = time.perf_counter()
    calendar = icalendar.Calendar.new(prodid="-//bench//", name="Bench")
    for a in appointments:
        calendar.add_component(icalendar.Event.new(
            uid=f"appointment-{a.id}@bench", stamp=a.updated_at, sequence=a.version,
            start=a.starts_at.astimezone(PARIS), end=a.ends_at.astimezone(PARIS), summary="Rendez-vous",
            location="12 rue des Lilas, 75019 Paris", status="CONFIRMED",
        ))
    calendar.add_missing_timezones()
    calendar.to_ical()
    return time.perf_counter() - started


class _Export(BaseHTTPRequestHandler):
    body = b""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


async def _bench_import(url: str, body: bytes, now: datetime) -> tuple[float, int]:
    _Export.body = body
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Export)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    await db.init(url)
    try:
        calendar = await add_calendar(SLUG, f"http://127.0.0.1:{httpd.server_address[1]}/basic.ics", now=now, allow_internal=True)
        async with make_client(allow_internal=True) as client:
            started = time.perf_counter()
            [outcome] = await sync_due(client, lambda: now, only_ids=[calendar.id])
            elapsed = time.perf_counter() - started
        assert outcome.status == "imported", outcome
        return elapsed, outcome.blocks
    finally:
        await db.close()
        httpd.shutdown()
        httpd.server_close()


def run() -> list[tuple[str, str, str]]:
    now = datetime.now(UTC)
    workdir = Path(tempfile.mkdtemp(prefix="creneau-calendar-bench-"))
    try:
        url = f"sqlite://{workdir}/bench.sqlite3"
        tokens = asyncio.run(_seed(url, now))
        with live_server(url, workdir, workers=1) as server:
            feed = _bench_feed(server.url, server.pid, tokens)
        sample = [FeedAppointment(i, 1, start, start + timedelta(minutes=30), "not_filled", now, now)
                  for i, start in enumerate(_starts(now.date()))]
        icalendar_feed = _icalendar_alone(sample)
        body = google_export(now.date())
        started = time.perf_counter()
        icalendar.Calendar.from_ical(body)
        icalendar_parse = time.perf_counter() - started
        import_seconds, blocks = asyncio.run(_bench_import(url, body, now))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return [
        ("calendar feed 10,000 appts, first fetch (busy)", f"{feed['cold']:.0f} ms", "< 500 ms"),
        ("calendar feed 10,000 appts, later fetches, p50", f"{feed['warm']:.0f} ms", "< 500 ms"),
        ("calendar feed 10,000 appts, level full, first", f"{feed['full_cold']:.0f} ms", "< 500 ms"),
        ("calendar feed 10,000 appts, level full, p50", f"{feed['full_warm']:.0f} ms", "< 500 ms"),
        ("calendar feed 10,000 appts, 304 (If-None-Match)", f"{feed['304']:.1f} ms", ""),
        ("calendar feed, icalendar alone, same 10,000", f"{icalendar_feed * 1000:.0f} ms", "(reference)"),
        ("calendar feed server RSS growth", f"{feed['rss']:.0f} MB", "< 100 MB"),
        ("calendar feed size", f"{feed['bytes'] / 1e6:.1f} MB", ""),
        (f"calendar import 2,000 events, 50 series ({blocks} blocks)", f"{import_seconds * 1000:.0f} ms", "< 2000 ms"),
        ("calendar import, icalendar alone parsing it", f"{icalendar_parse * 1000:.0f} ms", "(reference)"),
    ]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
