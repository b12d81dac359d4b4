"""Prompt recovery after a provider outage.

During an outage every message's retry backs off (up to an hour, policy.BACKOFF_CAP): without
more, the backlog would trickle out long after the provider is back — a confirmation arrived
4 minutes before its appointment. So while a channel has messages held back by a provider
error, the worker probes the provider every PROBE_EVERY (a connection and a no-op, nothing
sent); as soon as it answers, the held-back messages are due again at once. Their expiry
(never after the appointment starts) is unchanged and checked again at send time.

The held-back messages live in the database, so any worker process (or one restarted after
the outage) finds and releases them; the time of the last probe is per process.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Mapping
from datetime import datetime, timedelta

from portal.sql import execute, fetch

log = logging.getLogger("creneau.notifier")
PROBE_EVERY = timedelta(seconds=30)
PROBE_TIMEOUT = 10.0  # seconds: a probe holds up one drain at most this long
# How the worker records a provider's transient refusal or outage (worker._check_and_send).
TRANSIENT_PREFIX = "TransientSendError:"

_HELD_BACK = ("channel = ? AND status = 'pending' AND next_attempt_at > ? AND expires_at > ? "
              f"AND last_error LIKE '{TRANSIENT_PREFIX}%'")
_last_probe: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def release_when_back(channels: Mapping[str, object], now: datetime) -> dict[str, int]:
    """Probe each channel that holds messages back (at most every PROBE_EVERY); release the
    messages of those that answer. Returns {channel: messages released}."""
    due = [(name, channel) for name, channel in channels.items() if _probe_due(channel, now)]
    results = await asyncio.gather(*(_recover(name, channel, now) for name, channel in due))
    return {name: count for (name, _), count in zip(due, results) if count}


def _probe_due(channel, now: datetime) -> bool:
    if getattr(channel, "probe", None) is None:
        return False  # files and memory: never down
    last = _last_probe.get(channel)
    return last is None or now - last >= PROBE_EVERY


async def _recover(name: str, channel, now: datetime) -> int:
    if not await fetch(f"SELECT 1 FROM outbox_message WHERE {_HELD_BACK} LIMIT 1", name, now, now):
        return 0  # nothing waits on this provider: no probe
    _last_probe[channel] = now
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            await channel.probe()
    except Exception as exc:  # still down (or unreachable): the next probe is PROBE_EVERY later
        log.info("notifier: %s provider still unavailable: %s", name, exc)
        return 0
    released = await execute(f"UPDATE outbox_message SET next_attempt_at = ? WHERE {_HELD_BACK}",
                             now, name, now, now)
    if released:
        log.warning("notifier: %s provider answers again: %d delayed messages released", name, released)
    return released
