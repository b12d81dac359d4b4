"""Fixed-window counters in the database, shared by every process.

`take_all` counts one hit of each key with a single atomic upsert (INSERT … ON CONFLICT DO UPDATE … RETURNING,
the same statement on SQLite and PostgreSQL), so two processes never both see the last free
unit. `give_back` returns a unit: a booking reserves its units before it is written and gives
them back when it fails, so only bookings made count (a typo is not a booking).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise import connections

from portal import sql
from portal.settings import RateLimit

# Windows are purged after this long (the longest period in use is a day).
KEEP = timedelta(days=2)

_TAKE_MANY = ("INSERT INTO throttle_counter (key, window_start, hits) VALUES {values} "
              "ON CONFLICT (key, window_start) DO UPDATE SET hits = throttle_counter.hits + 1 "
              "RETURNING key, window_start, hits")
_GIVE_BACK = "UPDATE throttle_counter SET hits = hits - 1 WHERE key = ? AND window_start = ? AND hits > 0"
_PEEK = "SELECT hits FROM throttle_counter WHERE key = ? AND window_start = ?"


@dataclass(frozen=True)
class Taken:
    key: str
    window_start: int
    wait: float | None  # None: allowed; else seconds until the window ends
    hits: int = 0  # the window's count, this hit included

    @property
    def allowed(self) -> bool:
        return self.wait is None


def stored_key(key: str) -> str:
    """What the table holds: the kind of key ('book', 'attempt', 'practitioner'…) in clear, the
    rest (a phone number, a client network) as a SHA-256, so no number or address sits there."""
    kind, _, rest = key.partition(":")
    return f"{kind[:40]}:{hashlib.sha256(rest.encode()).hexdigest()[:48]}"


def _window(limit: RateLimit, now: datetime) -> tuple[int, float]:
    """The window's start (epoch seconds) and the seconds left in it."""
    moment = now.timestamp()
    start = int(moment // limit.period_seconds) * limit.period_seconds
    return start, start + limit.period_seconds - moment


async def take(key: str, limit: RateLimit, now: datetime) -> Taken:
    """Count one hit of `key`; refused (with the wait) when the window already holds `limit.count`."""
    return (await take_all([(key, limit)], now))[0]


async def take_all(wanted: list[tuple[str, RateLimit]], now: datetime) -> list[Taken]:
    """One hit of each key, in one statement (a booking counts several keys: one round trip,
    one turn of SQLite's lock). Each is refused, and given back, when its window was full; the
    caller decides what to do with the others. The keys must be distinct."""
    prepared = [(stored_key(key), limit, *_window(limit, now)) for key, limit in wanted]
    counted = [(key, start) for key, limit, start, _ in prepared if limit.count > 0]  # 0: the limit is off
    found: dict[tuple[str, int], int] = {}
    if counted:
        statement = _TAKE_MANY.format(values=", ".join("(?, ?, 1)" for _ in counted))
        params = [value for pair in counted for value in pair]
        rows = await sql.fetch_on(connections.get("default"), statement, *params)
        found = {(key, int(start)): hits for key, start, hits in rows}
    taken = []
    for key, limit, start, left in prepared:
        hits = found.get((key, start), 0)
        if limit.count and hits > limit.count:
            await give_back(Taken(key, start, None))  # a refusal is not a hit: the count stays at the limit
            taken.append(Taken(key, start, max(left, 1.0), limit.count))
        else:
            taken.append(Taken(key, start, None, hits))
    return taken


async def give_back(taken: Taken) -> None:
    await sql.execute(_GIVE_BACK, taken.key, taken.window_start)


async def hits(key: str, limit: RateLimit, now: datetime) -> int:
    start, _ = _window(limit, now)
    rows = await sql.fetch_on(connections.get("default"), _PEEK, stored_key(key), start)
    return rows[0][0] if rows else 0


async def purge(now: datetime) -> int:
    """Old windows go (maintenance runs this hourly)."""
    cutoff = int((now - KEEP).timestamp())
    return await sql.execute("DELETE FROM throttle_counter WHERE window_start < ?", cutoff)
