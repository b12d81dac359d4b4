"""Hostile calendar bodies, shared by the tests and the memory probe (run as a separate process:
`python -m tests.calendar_sync.hostile` prints what the import said and its peak memory)."""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

HEAD = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//\r\n"
TAIL = b"END:VCALENDAR\r\n"
WINDOW = (datetime(2026, 11, 30, tzinfo=UTC), datetime(2027, 1, 31, tzinfo=UTC))  # 62 days


def event(uid: str, start: str, end: str, rule: str = "") -> bytes:
    lines = [b"BEGIN:VEVENT", f"UID:{uid}".encode(), b"DTSTAMP:20261130T000000Z",
             f"DTSTART:{start}".encode(), f"DTEND:{end}".encode()]
    if rule:
        lines.append(f"RRULE:{rule}".encode())
    return b"\r\n".join([*lines, b"SUMMARY:Busy", b"END:VEVENT", b""])


def calendar(*events: bytes) -> bytes:
    return HEAD + b"".join(events) + TAIL


# One event every second from the start of the window: 5.4 million occurrences in 62 days.
EVERY_SECOND = calendar(event("secondly", "20261130T000000Z", "20261130T000001Z", "FREQ=SECONDLY"))
# The same from a year before: 37 million steps before and inside the window.
EVERY_SECOND_SINCE_LAST_YEAR = calendar(event("old-secondly", "20251130T000000Z", "20251130T000001Z", "FREQ=SECONDLY"))
# 30 seconds busy every minute: 89,280 blocks in the window, each a minute from the next.
EVERY_MINUTE = calendar(event("minutely", "20261130T000000Z", "20261130T000030Z", "FREQ=MINUTELY"))


def probe(name: str) -> dict:
    """Import `name` in this process; the error, the time and the peak resident memory."""
    from calendar_sync.importer import MalformedCalendar, busy_intervals

    body = globals()[name]
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        blocks, error = len(busy_intervals(body, ZoneInfo("Europe/Paris"), *WINDOW)), ""
    except MalformedCalendar as exc:
        blocks, error = 0, str(exc)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"blocks": blocks, "error": error, "seconds": round(time.perf_counter() - started, 3),
            "peak_rss_mb": round(peak / 1024, 1), "growth_mb": round((peak - base) / 1024, 1)}


if __name__ == "__main__":
    # A hard ceiling, so that an unbounded import dies with MemoryError instead of the machine.
    limit = 1024 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    print(json.dumps(probe(sys.argv[1])))
