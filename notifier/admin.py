"""Operator views of the outbox: what is waiting, what failed, and retrying one message."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from notifier.models import OutboxStrike
from portal.models import OutboxMessage, OutboxStatus

VISIBLE = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED, OutboxStatus.DEAD)
COLUMNS = ("id", "status", "kind", "channel", "audience", "appointment_id", "attempts", "next_attempt_at",
           "expires_at", "last_error")


async def list_messages(statuses=VISIBLE, limit: int = 100) -> list[dict]:
    return await OutboxMessage.filter(status__in=list(statuses)).order_by("next_attempt_at", "id").limit(limit).values(*COLUMNS)


class CannotRetry(Exception):
    pass


async def retry_message(message_id: int, now: datetime) -> None:
    """Make a failed or dead message due now, unless its appointment has started (nothing is
    ever sent after the visit). The worker re-checks consent and the appointment as usual."""
    row = await OutboxMessage.get_or_none(id=message_id)
    if row is None:
        raise CannotRetry(f"no message {message_id}")
    if row.status not in (OutboxStatus.FAILED, OutboxStatus.DEAD, OutboxStatus.PENDING):
        raise CannotRetry(f"message {message_id} is {row.status}: only failed, dead or pending messages can be retried")
    if now >= row.expires_at:
        raise CannotRetry(f"message {message_id} expired at {row.expires_at.isoformat()}")
    # A clean record: no strikes left, or the next claim would set it aside again. `attempts`
    # stays: it is the claims' fencing token and must never go back to a value an old, still
    # running claim may hold (a dead row's backoff then starts at its ceiling; it is capped).
    async with in_transaction("default"):
        await OutboxMessage.filter(id=message_id, status=row.status).update(
            status=OutboxStatus.PENDING, next_attempt_at=now, last_error=f"retried by hand ({row.last_error})"[:2000])
        await OutboxStrike.filter(message_id=message_id).delete()


def format_rows(rows: list[dict]) -> str:
    if not rows:
        return "no pending, failed or dead message"
    lines = [f"{'id':>6}  {'status':9} {'kind':22} {'channel':7} {'attempts':>8}  {'next attempt':25} last error"]
    for row in rows:
        lines.append(f"{row['id']:>6}  {row['status']:9} {row['kind']:22} {row['channel']:7} {row['attempts']:>8}  "
                     f"{row['next_attempt_at'].isoformat(timespec='seconds'):25} {row['last_error'][:80]}")
    return "\n".join(lines)
