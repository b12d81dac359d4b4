"""E-mails to the practice about its own limits (online bookings paused, SMS budget spent, an
SMS refused for its country), through the outbox like every message.

At most one per topic, subject and window: the dedupe key names them, and the outbox refuses a
second row with the same key. A notice has no appointment; the notifier reads its topic and
subject back from the key (`parse_key`) and names the practitioner as the database says at send
time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError

from portal.messaging.plan import EMAIL
from portal.models import OutboxMessage, OutboxStatus

NOTICE_KIND = "practice_notice"
PRACTICE_AUDIENCE = "practice"
ONLINE_LIMIT_HOUR, ONLINE_LIMIT_DAY, SMS_BUDGET = "online_limit_hour", "online_limit_day", "sms_budget"
TOPICS = (ONLINE_LIMIT_HOUR, ONLINE_LIMIT_DAY, SMS_BUDGET)
# A notice older than this says nothing useful any more.
LIFETIME = timedelta(days=1)


@dataclass(frozen=True)
class NoticeKey:
    topic: str
    subject_id: int  # the practitioner (online limits) or the practice (SMS budget)
    window: int  # the limit's window (epoch seconds) or day number


def dedupe_key(key: NoticeKey) -> str:
    return f"notice:{key.topic}:{key.subject_id}:{key.window}"


def parse_key(raw: str) -> NoticeKey | None:
    parts = raw.split(":")
    if len(parts) != 4 or parts[0] != "notice" or parts[1] not in TOPICS:
        return None
    try:
        return NoticeKey(parts[1], int(parts[2]), int(parts[3]))
    except ValueError:
        return None


async def tell_practice(practice_id: int, key: NoticeKey, now: datetime) -> bool:
    """Queue the notice unless this window's is queued already; True when queued now. Runs
    outside any transaction (a refused duplicate must not abort the caller's)."""
    try:
        await OutboxMessage.create(
            practice_id=practice_id, appointment_id=None, kind=NOTICE_KIND, channel=EMAIL,
            audience=PRACTICE_AUDIENCE, appointment_version=0, dedupe_key=dedupe_key(key), due_at=now,
            expires_at=now + LIFETIME, status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now,
        )
    except IntegrityError:
        return False
    return True
