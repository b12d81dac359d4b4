"""The outbox worker: claim due rows, re-read the appointment and the consents, render, send,
record the outcome. `creneau worker` runs `run_loop`; on SQLite `creneau serve` runs it inside.

Crash safety: a row is 'sending' under a lease while a worker holds it; a killed worker's rows
become due again when the lease ends. Only a message handed to the provider but not yet recorded
can go twice, and it carries the same Message-ID / client reference (both derive from the row).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portal.clock import utcnow
from portal.models import OutboxMessage, OutboxStatus
from notifier import policy
from notifier.channels import Channel, build_channels
from notifier.claim import claim_due, release_expired_leases
from notifier.context import Batch, load_batch
from notifier.errors import PermanentSendError, RenderError, TransientSendError
from notifier.outgoing import Identity, build

log = logging.getLogger("creneau.notifier")


@dataclass
class DrainStats:
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.outcomes[status] = self.outcomes.get(status, 0) + 1


async def _record(row: dict, **changes) -> bool:
    """Write an outcome only if the row is still this claim's (status and attempts unchanged):
    a worker whose lease ran out must not overwrite the claim that replaced it."""
    updated = await OutboxMessage.filter(id=row["id"], status=OutboxStatus.SENDING, attempts=row["attempts"]).update(
        lease_until=None, **changes)
    return updated == 1


async def _process(row: dict, batch: Batch, channels: Mapping[str, Channel], identity: Identity,
                   now: Callable[[], datetime], rng: random.Random, stats: DrainStats) -> None:
    moment = now()
    try:
        practice = batch.practices.get(row["practice_id"], {})
        appointment = batch.appointments.get(row["appointment_id"])
        skip = policy.check(row, appointment, batch.consents.get(appointment["patient_id"], {}) if appointment else {},
                            practice.get("notify_practitioner", True), moment)
        if skip is not None:
            await _record(row, status=skip.status, last_error=skip.reason)
            stats.count(skip.status)
            return
        message = build(row, batch, identity, moment)
        provider_id = await channels[row["channel"]].send(message)
    except (PermanentSendError, RenderError) as exc:
        log.warning("outbox %s failed for good: %s", row["id"], exc)
        await _record(row, status=OutboxStatus.FAILED, last_error=str(exc)[:2000])
        stats.count(OutboxStatus.FAILED)
        return
    except Exception as exc:  # transient, or a bug: retried with backoff, never blocking the rest
        if not isinstance(exc, TransientSendError):
            log.exception("outbox %s: unexpected error", row["id"])
        await _retry_or_die(row, f"{type(exc).__name__}: {exc}", now(), rng, stats)
        return
    await _record(row, status=OutboxStatus.SENT, provider_id=provider_id[:255], sent_at=now(), last_error="")
    stats.count(OutboxStatus.SENT)


async def _retry_or_die(row: dict, error: str, moment: datetime, rng: random.Random, stats: DrainStats) -> None:
    when = policy.retry_at(row["attempts"], moment, row["expires_at"], rng)
    if when is None:
        await _record(row, status=OutboxStatus.DEAD, last_error=error[:2000])
        stats.count(OutboxStatus.DEAD)
    else:
        await _record(row, status=OutboxStatus.PENDING, next_attempt_at=when, last_error=error[:2000])
        stats.count("retry")


async def drain_once(settings, channels: Mapping[str, Channel], *, now: Callable[[], datetime] = utcnow,
                     batch_size: int = 50, lease: timedelta = timedelta(minutes=2),
                     rng: random.Random | None = None) -> DrainStats:
    """Claim one batch of due messages and handle each; returns what happened."""
    stats = DrainStats()
    moment = now()
    await release_expired_leases(moment)
    rows = await claim_due(moment, moment + lease, batch_size)
    stats.claimed = len(rows)
    if not rows:
        return stats
    identity = Identity.from_settings(settings)
    try:
        batch = await load_batch(rows)
    except Exception:
        # The rows stay 'sending' until their lease ends, then come back: nothing is lost.
        log.exception("could not read the batch's appointments")
        raise
    results = await asyncio.gather(
        *(_process(row, batch, channels, identity, now, rng or random.Random(), stats) for row in rows),
        return_exceptions=True,
    )
    for row, result in zip(rows, results):
        if isinstance(result, BaseException):
            # Recording the outcome failed (database gone?): the lease brings the row back.
            log.error("outbox %s: outcome not recorded: %r", row["id"], result)
    return stats


async def run_loop(settings, stop: asyncio.Event, *, channels: Mapping[str, Channel] | None = None,
                   now: Callable[[], datetime] = utcnow, batch_size: int = 50,
                   lease: timedelta = timedelta(minutes=2), poll_seconds: float = 0.5) -> None:
    """Drain until `stop` is set. The database must be open (the app lifespan or the CLI)."""
    owned = channels is None
    channels = build_channels(settings) if channels is None else channels
    log.info("notifier worker started (e-mail: %s, SMS: %s)", settings.email_backend, settings.sms_backend)
    pause = 0.0
    try:
        while not stop.is_set():
            try:
                stats = await drain_once(settings, channels, now=now, batch_size=batch_size, lease=lease)
                # A full batch means more may be due: go on at once; otherwise poll.
                pause = 0.0 if stats.claimed >= batch_size else poll_seconds
            except Exception:
                log.exception("notifier: drain failed; trying again")
                pause = min(max(pause * 2, 1.0), 30.0)
            if pause:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=pause)
                except asyncio.TimeoutError:
                    pass
    finally:
        if owned:
            for channel in channels.values():
                try:
                    await channel.close()
                except Exception:
                    log.exception("notifier: closing a channel failed")
        log.info("notifier worker stopped")
