"""Writing planned messages as outbox rows, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.messaging.plan import EMAIL, PATIENT, REMINDER, SMS, MessageContext, PlannedMessage
from portal.models import Appointment, OutboxMessage, OutboxStatus
from portal.sql import insert_many


def message_context(appointment: Appointment, practice, now, cancelled_by_patient: bool = True) -> MessageContext:
    """`practice`: anything with `reminder_policy` and `notify_practitioner` (a Practice, a BookingTarget)."""
    return MessageContext(
        starts_at=appointment.starts_at,
        now=now,
        email_reminder=appointment.email_reminder,
        sms_reminder=appointment.sms_reminder,
        reminder_policy=practice.reminder_policy or {},
        notify_practitioner=practice.notify_practitioner,
        cancelled_by_patient=cancelled_by_patient,
    )


async def write_planned(
    appointment: Appointment, planned: Iterable[PlannedMessage], conn: BaseDBAsyncClient, *, now: datetime,
    fresh: bool = False,
) -> None:
    """One row per planned message. A row that exists already (same dedupe key: a reminder
    switched off then on again) is made pending again rather than duplicated. `fresh`: the
    appointment was just created, so no row can exist yet."""
    rows = {
        message.dedupe_key(appointment.id, appointment.version): message for message in planned
    }
    if not rows:
        return
    existing = set() if fresh else set(
        await OutboxMessage.filter(dedupe_key__in=list(rows)).using_db(conn).values_list("dedupe_key", flat=True)
    )
    for key in existing:
        message = rows[key]
        await OutboxMessage.filter(dedupe_key=key, status=OutboxStatus.CANCELLED).using_db(conn).update(
            status=OutboxStatus.PENDING, due_at=message.due_at, next_attempt_at=message.due_at, attempts=0
        )
    new_rows = [message_row(appointment.practice_id, appointment.id, appointment.version, key, message, now)
                for key, message in rows.items() if key not in existing]
    await insert_many(conn, "outbox_message", OUTBOX_COLUMNS, new_rows)


# One multi-row insert, no model instance per row (this runs inside every booking's transaction).
OUTBOX_COLUMNS = ("practice_id", "appointment_id", "kind", "channel", "audience", "appointment_version",
                  "dedupe_key", "due_at", "expires_at", "status", "attempts", "next_attempt_at",
                  "last_error", "provider_id", "created_at")


def message_row(practice_id, appointment_id, version: int, dedupe_key, message: PlannedMessage,
                now: datetime) -> dict:
    """A pending message, as the outbox's columns (the id and key may be SQL of a
    single-statement booking)."""
    return dict(practice_id=practice_id, appointment_id=appointment_id, kind=message.kind, channel=message.channel,
                audience=message.audience, appointment_version=version, dedupe_key=dedupe_key,
                due_at=message.due_at, expires_at=message.expires_at, status=OutboxStatus.PENDING.value, attempts=0,
                next_attempt_at=message.due_at, last_error="", provider_id="", created_at=now)


async def cancel_pending(
    appointment_id: int, conn: BaseDBAsyncClient, *, kinds: Iterable[str] | None = None,
    channels: Iterable[str] | None = None,
) -> int:
    """Cancel messages not yet sent, of every kind unless narrowed (a move or a cancellation
    supersedes them all, the practitioner's notice of the old time included)."""
    query = OutboxMessage.filter(appointment_id=appointment_id, status=OutboxStatus.PENDING)
    if kinds is not None:
        query = query.filter(kind__in=list(kinds))
    if channels is not None:
        query = query.filter(channel__in=list(channels))
    return await query.using_db(conn).update(status=OutboxStatus.CANCELLED)


async def cancel_needing(appointment_ids: Iterable[int], purpose: str, conn: BaseDBAsyncClient) -> int:
    """Cancel the pending messages to patients that need the consent `purpose`: every SMS for
    `sms_reminders`, e-mail reminders for `email_reminders` (plan.consent_needed, the rule the
    worker applies again at send time; transactional e-mails need no opt-in)."""
    query = OutboxMessage.filter(appointment_id__in=list(appointment_ids), status=OutboxStatus.PENDING,
                                 audience=PATIENT)
    if purpose == "sms_reminders":
        query = query.filter(channel=SMS)
    elif purpose == "email_reminders":
        query = query.filter(channel=EMAIL, kind=REMINDER)
    else:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    # The same reason as the worker's check at send time: the message log says why either way.
    return await query.using_db(conn).update(status=OutboxStatus.CANCELLED, last_error=f"no {purpose} consent")


async def backlog(now: datetime) -> tuple[int, int | None]:
    """Messages due now and not sent yet (pending or being sent), and how many seconds the oldest
    of them has been due: what monitoring alerts on when the worker stops or a provider fails."""
    due = OutboxMessage.filter(status__in=(OutboxStatus.PENDING, OutboxStatus.SENDING), due_at__lte=now,
                               expires_at__gt=now)
    count = await due.count()
    oldest = await due.order_by("due_at").limit(1).values_list("due_at", flat=True)
    return count, (int((now - oldest[0]).total_seconds()) if oldest else None)
