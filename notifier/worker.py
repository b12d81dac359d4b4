"""The outbox worker: claim due rows, re-read the appointment and the consents, render, send,
record the outcome. `creneau worker` runs `run_loop`; on SQLite `creneau serve` runs it inside.

Crash safety: a row is 'sending' under a lease while a worker holds it; a killed worker's rows
become due again when the lease ends. Only a message handed to the provider but not yet recorded
can go twice, and it carries the same Message-ID / client reference (both derive from the row).

Nothing late, nothing twice under a live lease: a message is checked, built and sent inside a
slot of its channel (as wide as the channel's pool), and right before the provider call it is
dropped if it has expired, or handed back if the lease could end during the send.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from notifier import budget, notices, policy, verify
from notifier.budget import SmsBudget
from notifier.channels import Channel, build_channels
from notifier.claim import add_strike, claim_due, release_expired_leases
from notifier.context import Batch, load_batch
from notifier.errors import PermanentSendError, RenderError, TransientSendError, masked_error
from notifier.messages import OutgoingSms
from notifier.outgoing import Identity, build
from notifier.recovery import release_when_back
from portal.clock import utcnow
from portal.limits import sms as sms_rules
from portal.messaging.plan import CONFIG_CHECK, PRIVACY_KINDS, STAFF_INVITATION
from portal.models import OutboxStatus
from portal.sql import execute

log = logging.getLogger("creneau.notifier")
# For a channel that does not say (Channel.concurrency / Channel.send_timeout): the defaults of
# the SMTP and Vonage adapters.
DEFAULT_CONCURRENCY = 4
DEFAULT_SEND_TIMEOUT = 30.0


@dataclass
class DrainStats:
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.outcomes[status] = self.outcomes.get(status, 0) + 1


async def _record(row: dict, **changes) -> bool:
    """Write an outcome only if the row is still this claim's (status and attempts unchanged):
    a worker whose lease ran out must not overwrite the claim that replaced it. Plain SQL: once
    per message, the ORM's query building cost a tenth of the worker's CPU (measured)."""
    changes = {"lease_until": None, **changes}
    columns = ", ".join(f"{name} = ?" for name in changes)
    count = await execute(f"UPDATE outbox_message SET {columns} WHERE id = ? AND status = ? AND attempts = ?",
                          *(getattr(value, "value", value) for value in changes.values()),
                          row["id"], OutboxStatus.SENDING.value, row["attempts"])
    return count == 1


@dataclass
class _Drain:
    """What every message of one claimed batch shares."""

    batch: Batch
    channels: Mapping[str, Channel]
    identity: Identity
    now: Callable[[], datetime]
    rng: random.Random
    stats: DrainStats
    lease_until: datetime
    slots: dict[str, asyncio.Semaphore]
    sms_budget: SmsBudget = field(default_factory=SmsBudget)

    async def finish(self, row: dict, outcome: str, **changes) -> bool:
        """Record and count an outcome; a claim taken over meanwhile counts nothing. The error is
        recorded masked: a provider's text may quote the recipient's address or number."""
        if "last_error" in changes:
            changes["last_error"] = masked_error(changes["last_error"])[:2000]
        if await _record(row, **changes):
            self.stats.count(outcome)
            return True
        log.info("outbox %s: claim taken over by another worker, %s not recorded", row["id"], outcome)
        return False


def concurrency(channel: Channel) -> int:
    return getattr(channel, "concurrency", DEFAULT_CONCURRENCY)


def send_timeout(channel: Channel) -> float:
    return getattr(channel, "send_timeout", DEFAULT_SEND_TIMEOUT)


async def _process(row: dict, run: _Drain) -> None:
    # Checks, build and send all happen inside the slot, which is as wide as the channel's own
    # pool: a message never waits for a connection between its last check and its send.
    async with run.slots[row["channel"]]:
        await _check_and_send(row, run)


async def _check_and_send(row: dict, run: _Drain) -> None:
    batch, channel = run.batch, run.channels[row["channel"]]
    try:
        practice = batch.practices.get(row["practice_id"], {})
        appointment = batch.appointments.get(row["appointment_id"])
        if row["kind"] in PRIVACY_KINDS:
            skip = policy.check_privacy(row, batch.privacy_links.get(row["id"]), run.now())
        elif row["kind"] == CONFIG_CHECK:
            skip = policy.check_config_check(row, run.now())
        elif row["kind"] == STAFF_INVITATION:
            skip = policy.check_invitation(row, batch.invitations.get(row["id"]), run.now())
        else:
            patient = batch.patients.get(appointment["patient_id"], {}) if appointment else {}
            practitioner = batch.practitioners.get(appointment["practitioner_id"], {}) if appointment else {}
            skip = policy.check(row, appointment, batch.consents.get(appointment["patient_id"], {}) if appointment else {},
                                practice.get("notify_practitioner", True), run.now(),
                                restricted=patient.get("restricted_at") is not None,
                                practitioner_email=practitioner.get("email") or "")
        if skip is not None:
            await run.finish(row, skip.status, status=skip.status, last_error=skip.reason)
            return
        if notices.is_notice(row):
            message = await notices.build(row, practice, run.identity, run.now())
        elif verify.is_verify(row):
            message = verify.build(row, batch, run.identity, run.now())
        else:
            message = build(row, batch, run.identity, run.now())
        hold = policy.before_send(row["expires_at"], run.lease_until, run.now(), send_timeout(channel))
        if hold is not None and hold.status == OutboxStatus.PENDING:
            # Handed back, not an attempt: undoing our own claim's increment keeps `attempts`
            # above every earlier claim's, so fencing still holds.
            await run.finish(row, "requeued", status=OutboxStatus.PENDING, attempts=row["attempts"] - 1,
                             next_attempt_at=run.now())
            return
        if hold is not None:  # expired while it waited for its slot
            await run.finish(row, hold.status, status=hold.status, last_error=hold.reason)
            return
        if isinstance(message, OutgoingSms) and not await _sms_may_go(row, message, practice, run):
            return
        provider_id = await channel.send(message)
    except (PermanentSendError, RenderError) as exc:
        log.warning("outbox %s failed for good: %s", row["id"], masked_error(str(exc)))
        await run.finish(row, OutboxStatus.FAILED, status=OutboxStatus.FAILED, last_error=str(exc)[:2000])
        return
    except Exception as exc:  # transient, or a bug: retried with backoff, never blocking the rest
        unexpected = not isinstance(exc, TransientSendError)
        if unexpected:
            log.exception("outbox %s: unexpected error", row["id"])
        await _retry_or_die(row, f"{type(exc).__name__}: {exc}", run, strike=unexpected)
        return
    await run.finish(row, OutboxStatus.SENT, status=OutboxStatus.SENT, provider_id=provider_id[:255], sent_at=run.now(),
                     last_error="")


async def _sms_may_go(row: dict, message: OutgoingSms, practice: dict, run: _Drain) -> bool:
    """The practice's SMS regions and daily budget, right before the send (against SMS pumping).
    The budget is spent here, with no await between the check and the spending."""
    skip = policy.sms_check(sms_rules.region_of(message.to), practice.get("sms_regions", ""),
                            run.sms_budget.left(row["practice_id"]))
    if skip is None:
        run.sms_budget.spend(row["practice_id"])
        return True
    await run.finish(row, skip.status, status=skip.status, last_error=skip.reason)
    if "budget" in skip.reason:
        await budget.tell_practice_spent(practice, run.now())
    return False


async def _retry_or_die(row: dict, error: str, run: _Drain, *, strike: bool) -> None:
    when = policy.retry_at(row["attempts"], run.now(), row["expires_at"], run.rng)
    if strike and row["strikes"] + 1 >= policy.MAX_STRIKES:
        error = f"{error} (set aside after {policy.MAX_STRIKES} crashes or unexpected errors)"
        when = None
    if when is None:
        await run.finish(row, OutboxStatus.DEAD, status=OutboxStatus.DEAD, last_error=error[:2000])
        return
    recorded = await run.finish(row, "retry", status=OutboxStatus.PENDING, next_attempt_at=when, last_error=error[:2000])
    if strike and recorded:  # a bug, not the provider: it counts towards the poison limit
        await add_strike(row["id"])


def check_lease(channels: Mapping[str, Channel], lease: timedelta) -> None:
    """A lease shorter than a send would hand every message back unsent, forever."""
    longest = max(send_timeout(channel) for channel in channels.values())
    if lease.total_seconds() <= longest:
        raise ValueError(f"the worker's lease ({lease.total_seconds():g} s, --lease) must be longer than the "
                         f"channels' send timeout ({longest:g} s)")


async def drain_once(settings, channels: Mapping[str, Channel], *, now: Callable[[], datetime] = utcnow,
                     batch_size: int = 50, lease: timedelta = timedelta(minutes=2),
                     rng: random.Random | None = None) -> DrainStats:
    """Claim one batch of due messages and handle each; returns what happened."""
    check_lease(channels, lease)
    stats = DrainStats()
    moment = now()
    await release_expired_leases(moment)
    # After an outage the backlog goes out as soon as the provider answers, not after its backoff.
    await release_when_back(channels, moment)
    rows = await claim_due(moment, moment + lease, batch_size)
    stats.claimed = len(rows)
    if not rows:
        return stats
    try:
        batch = await load_batch(rows)
    except Exception:
        # The rows stay 'sending' until their lease ends, then come back: nothing is lost.
        log.exception("could not read the batch's appointments")
        raise
    sms_budget = await SmsBudget.load(batch.practices, {row["practice_id"] for row in rows if row["channel"] == "sms"},
                                      moment)
    run = _Drain(batch, channels, Identity.from_settings(settings), now, rng or random.Random(), stats,
                 lease_until=moment + lease,
                 slots={name: asyncio.Semaphore(concurrency(channel)) for name, channel in channels.items()},
                 sms_budget=sms_budget)
    results = await asyncio.gather(*(_process(row, run) for row in rows), return_exceptions=True)
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
        check_lease(channels, lease)  # a configuration error stops the worker here, not every batch
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
