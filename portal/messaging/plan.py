"""Which messages an appointment event should produce: a pure function, no database, no clock.

The booking use cases turn each `PlannedMessage` into an outbox row in their own transaction;
the notifier re-reads the appointment and the consents at send time, so a plan may be
conservative. Every message expires at the appointment's start: nothing is sent after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

EMAIL, SMS = "email", "sms"
PATIENT, PRACTITIONER = "patient", "practitioner"

# Message kinds: to the patient, then to the practitioner.
CONFIRMATION, REMINDER, MOVED, CANCELLED = "confirmation", "reminder", "moved", "cancelled"
PRACTITIONER_BOOKED, PRACTITIONER_CANCELLED = "practitioner_booked", "practitioner_cancelled"
# Privacy centre messages (no appointment): the one-time link, the confirmation of a new address
# or number. Asked for by the patient to exercise a right: sent even while processing is restricted.
PRIVACY_LINK, CONTACT_CONFIRM = "privacy_link", "contact_confirm"
PRIVACY_KINDS = (PRIVACY_LINK, CONTACT_CONFIRM)
PRACTITIONER_MOVED = "practitioner_moved"
# The confirmation code of a held booking (portal.booking.confirm): e-mail always, SMS if opted in.
VERIFY = "verify"
# A test message the practice sends itself from the back-office (no appointment, no patient).
CONFIG_CHECK, PRACTICE = "config_check", "practice"
# An invitation to join the practice's back-office (portal.access.invitations).
STAFF_INVITATION = "staff_invitation"


def consent_needed(kind: str, channel: str, audience: str) -> str | None:
    """The ledger purpose that must be granted, if any. SMS always needs the patient's opt-in;
    e-mail reminders need it; transactional e-mails (confirmation, move, cancellation) do not."""
    if audience == PRACTITIONER:
        return None
    if channel == SMS:
        return "sms_reminders"
    if channel == EMAIL and kind == REMINDER:
        return "email_reminders"
    return None


@dataclass(frozen=True)
class PlannedMessage:
    kind: str
    channel: str
    audience: str
    due_at: datetime
    expires_at: datetime
    offset_hours: int = 0

    def dedupe_key(self, appointment_id: int, version: int) -> str:
        return f"{appointment_id}{self.dedupe_suffix(version)}"

    def dedupe_suffix(self, version: int) -> str:
        """The key without the appointment's id (a single-statement booking appends it in SQL)."""
        return f":{self.kind}:{self.channel}:{self.audience}:v{version}:{self.offset_hours}"


@dataclass(frozen=True)
class MessageContext:
    starts_at: datetime
    now: datetime
    email_reminder: bool
    sms_reminder: bool
    reminder_policy: dict  # {"email": [48], "sms": [24]} hours before the start
    notify_practitioner: bool
    cancelled_by_patient: bool = True


def _immediate(kind: str, ctx: MessageContext, channels: tuple[str, ...], audience: str = PATIENT) -> list[PlannedMessage]:
    return [PlannedMessage(kind, channel, audience, ctx.now, ctx.starts_at) for channel in channels]


def _patient_channels(ctx: MessageContext) -> tuple[str, ...]:
    # Transactional e-mails (confirmation, move, cancellation) always go; SMS only with consent.
    return (EMAIL, SMS) if ctx.sms_reminder else (EMAIL,)


def reminders(ctx: MessageContext) -> list[PlannedMessage]:
    """Reminders at the practice's offsets, for the channels the patient opted into; a reminder
    whose time has already passed is dropped (the confirmation just said it all)."""
    wanted = {EMAIL: ctx.email_reminder, SMS: ctx.sms_reminder}
    planned = []
    for channel in (EMAIL, SMS):
        if not wanted[channel]:
            continue
        for hours in sorted(set(ctx.reminder_policy.get(channel, ()))):
            due = ctx.starts_at - timedelta(hours=hours)
            if due > ctx.now:
                planned.append(PlannedMessage(REMINDER, channel, PATIENT, due, ctx.starts_at, hours))
    return planned


def on_booked(ctx: MessageContext, online: bool = True) -> list[PlannedMessage]:
    planned = _immediate(CONFIRMATION, ctx, _patient_channels(ctx)) + reminders(ctx)
    if online and ctx.notify_practitioner:
        planned += _immediate(PRACTITIONER_BOOKED, ctx, (EMAIL,), PRACTITIONER)
    return planned


def on_held(ctx: MessageContext, hold_until: datetime) -> list[PlannedMessage]:
    """A held booking sends only its code, until the hold ends; the confirmation and reminders
    are planned when the patient confirms (on_booked)."""
    return [PlannedMessage(VERIFY, channel, PATIENT, ctx.now, hold_until) for channel in _patient_channels(ctx)]


def on_moved(ctx: MessageContext) -> list[PlannedMessage]:
    """`ctx.starts_at` is the new start; the caller cancels the old version's pending rows."""
    planned = _immediate(MOVED, ctx, _patient_channels(ctx)) + reminders(ctx)
    if ctx.notify_practitioner:
        planned += _immediate(PRACTITIONER_MOVED, ctx, (EMAIL,), PRACTITIONER)
    return planned


def on_cancelled(ctx: MessageContext) -> list[PlannedMessage]:
    planned = _immediate(CANCELLED, ctx, _patient_channels(ctx))
    if ctx.cancelled_by_patient and ctx.notify_practitioner:
        planned += _immediate(PRACTITIONER_CANCELLED, ctx, (EMAIL,), PRACTITIONER)
    return planned


def on_reminders_changed(ctx: MessageContext) -> list[PlannedMessage]:
    """New reminder choices: the caller cancels pending reminders, then writes these."""
    return reminders(ctx)
