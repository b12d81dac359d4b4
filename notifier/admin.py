"""Operator views of the outbox: what is waiting, what failed, and retrying one message."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from notifier.models import OutboxStrike
from portal.audit.record import record
from portal.context import Ctx
from portal.messaging import log as message_log
from portal.models import OutboxMessage, OutboxStatus

VISIBLE = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED, OutboxStatus.DEAD)
COLUMNS = ("id", "status", "kind", "channel", "audience", "appointment_id", "attempts", "next_attempt_at",
           "expires_at", "last_error")


async def list_messages(statuses=VISIBLE, limit: int = 100) -> list[dict]:
    return await OutboxMessage.filter(status__in=list(statuses)).order_by("next_attempt_at", "id").limit(limit).values(*COLUMNS)


class CannotRetry(Exception):
    pass


async def retry_message(message_id: int, now: datetime, *, ctx: Ctx | None = None) -> None:
    """Make a failed or dead message due now, unless its appointment has started (nothing is
    ever sent after the visit). The worker re-checks consent and the appointment as usual.
    With `ctx` (a signed-in member) the message must be in its scope (else "not found") and the
    retry is audited in the same transaction."""
    query = OutboxMessage.filter(id=message_id) if ctx is None else message_log.visible(ctx).filter(id=message_id)
    row = await query.first()
    if row is None:
        raise CannotRetry(f"no message {message_id}")
    # An operator may also hurry a pending message; the back-office retries failed ones only.
    retryable = message_log.RETRYABLE if ctx is not None else (*message_log.RETRYABLE, OutboxStatus.PENDING)
    if row.status not in retryable:
        raise CannotRetry(f"message {message_id} is {row.status}: only failed, dead or pending messages can be retried")
    if now >= row.expires_at:
        raise CannotRetry(f"message {message_id} expired at {row.expires_at.isoformat()}")
    # A clean record: no strikes left, or the next claim would set it aside again. `attempts`
    # stays: it is the claims' fencing token and must never go back to a value an old, still
    # running claim may hold (a dead row's backoff then starts at its ceiling; it is capped).
    async with in_transaction("default") as conn:
        await OutboxMessage.filter(id=message_id, status=row.status).using_db(conn).update(
            status=OutboxStatus.PENDING, next_attempt_at=now, last_error=f"retried by hand ({row.last_error})"[:2000])
        await OutboxStrike.filter(message_id=message_id).using_db(conn).delete()
        if ctx is not None:
            await record(conn, ctx, "message.retry", "outbox_message", message_id, practice_id=row.practice_id,
                         status=str(row.status))


def format_rows(rows: list[dict]) -> str:
    if not rows:
        return "no pending, failed or dead message"
    lines = [f"{'id':>6}  {'status':9} {'kind':22} {'channel':7} {'attempts':>8}  {'next attempt':25} last error"]
    for row in rows:
        lines.append(f"{row['id']:>6}  {row['status']:9} {row['kind']:22} {row['channel']:7} {row['attempts']:>8}  "
                     f"{row['next_attempt_at'].isoformat(timespec='seconds'):25} {row['last_error'][:80]}")
    return "\n".join(lines)
