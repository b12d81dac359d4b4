"""Pure decisions of the worker: whether a claimed message may still go, and when to retry.

Nothing late, nothing stale, nothing without consent: these rules run at send time on what the
database says *now*, whatever was true when the row was written.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.messaging.notices import NOTICE_KIND
from portal.messaging.plan import CANCELLED, CONFIRMATION, MOVED, PRACTITIONER, REMINDER, VERIFY, consent_needed
from portal.models import CANCELLED_STATUSES, OutboxStatus

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
BACKOFF_FLOOR = timedelta(seconds=1)
# 30 s × 2**7 is past the cap already; a bounded exponent keeps the arithmetic small (2**n
# seconds overflows timedelta from about the 43rd attempt).
MAX_DOUBLINGS = 7
# A message that broke the worker holding it this many times (lease ran out mid-send, or an
# unexpected error) is poison: it is set aside instead of looping. A provider's refusals and
# outages are no strikes: those retry until the message expires.
MAX_STRIKES = 10
# Kinds that announce an appointment that still stands.
STANDING_KINDS = (CONFIRMATION, REMINDER, MOVED, "practitioner_booked", "practitioner_moved", VERIFY)


@dataclass(frozen=True)
class Skip:
    status: OutboxStatus
    reason: str


def check(row: dict, appointment: dict | None, consents: dict[str, bool], notify_practitioner: bool,
          now: datetime, restricted: bool = False, practitioner_email: str | None = None) -> Skip | None:
    """None when the message may go now; otherwise the final status and why. `restricted`: the
    patient restricted processing or objected (privacy centre): nothing goes to them.
    `practitioner_email`: the practitioner's address now (None: not looked at)."""
    if now >= row["expires_at"]:
        return Skip(OutboxStatus.EXPIRED, "not sent before it expired")
    if row.get("strikes", 0) >= MAX_STRIKES:
        return Skip(OutboxStatus.DEAD, f"set aside: broke its worker {row['strikes']} times (crash or unexpected error)")
    if row["kind"] == NOTICE_KIND:  # a notice to the practice: no appointment, no consent
        return None
    if appointment is None:
        return Skip(OutboxStatus.CANCELLED, "appointment no longer exists")
    if appointment["version"] != row["appointment_version"]:
        return Skip(OutboxStatus.CANCELLED, "superseded by a later change of the appointment")
    if row["kind"] in STANDING_KINDS and appointment["status"] in CANCELLED_STATUSES:
        return Skip(OutboxStatus.CANCELLED, "appointment cancelled")
    if row["kind"] == CANCELLED and appointment["status"] not in CANCELLED_STATUSES:
        return Skip(OutboxStatus.CANCELLED, "appointment no longer cancelled")
    if restricted and row["audience"] != PRACTITIONER:
        return Skip(OutboxStatus.CANCELLED, "patient restricted processing")
    if row["audience"] == PRACTITIONER and not notify_practitioner:
        return Skip(OutboxStatus.CANCELLED, "practice turned practitioner notices off")
    if row["audience"] == PRACTITIONER and practitioner_email == "":
        # Nothing to fix in the message: the practitioner has no address (the CLI warns of it).
        return Skip(OutboxStatus.CANCELLED, "practitioner has no e-mail address")
    purpose = consent_needed(row["kind"], row["channel"], row["audience"])
    if purpose is not None:
        flag = appointment["sms_reminder" if purpose == "sms_reminders" else "email_reminder"]
        if not (flag and consents.get(purpose, False)):
            return Skip(OutboxStatus.CANCELLED, f"no {purpose} consent")
    return None


def check_privacy(row: dict, link: dict | None, now: datetime) -> Skip | None:
    """A privacy-centre message goes while its link can still be used (even to a restricted
    patient: they asked for it, to exercise a right)."""
    if now >= row["expires_at"]:
        return Skip(OutboxStatus.EXPIRED, "not sent before it expired")
    if link is None:
        return Skip(OutboxStatus.CANCELLED, "link no longer exists")
    if link["used_at"] is not None:
        return Skip(OutboxStatus.CANCELLED, "link already used")


def sms_check(region: str | None, regions: str, remaining: int | None) -> Skip | None:
    """An SMS goes only to a region the practice allows, and within its daily budget
    (`remaining`: SMS left today; None when unknown). Against SMS-pumping fraud."""
    allowed = {code.strip() for code in regions.split(",") if code.strip()}
    if region not in allowed:
        return Skip(OutboxStatus.CANCELLED, f"not sent: number of region {region or 'unknown'}, outside the "
                                            f"practice's SMS regions ({','.join(sorted(allowed)) or 'none'})")
    if remaining is not None and remaining <= 0:
        return Skip(OutboxStatus.CANCELLED, "not sent: the practice's daily SMS budget is spent")
    return None


def retry_at(attempts: int, now: datetime, expires_at: datetime, rng: random.Random | None = None) -> datetime | None:
    """Exponential backoff with full jitter; None when the next try would come too late."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(max(0, attempts - 1), MAX_DOUBLINGS))
    delay = max(BACKOFF_FLOOR, timedelta(seconds=(rng or random).uniform(0, ceiling.total_seconds())))
    when = now + delay
    return None if when >= expires_at else when


def before_send(expires_at: datetime, lease_until: datetime, now: datetime, send_timeout: float) -> Skip | None:
    """The last look, right before the provider call (a message may have waited for a free
    connection since `check`). Expired: never sent late. A lease that could run out during the
    send: handed back (status pending) rather than risk another worker sending it too."""
    if now >= expires_at:
        return Skip(OutboxStatus.EXPIRED, "not sent before it expired")
    if lease_until - now < timedelta(seconds=send_timeout):
        return Skip(OutboxStatus.PENDING, "lease too short for one more send")
    return None


def check_config_check(row: dict, now: datetime) -> Skip | None:
    """A practice's test message: no patient and no consent involved, only its lifetime."""
    if now >= row["expires_at"]:
        return Skip(OutboxStatus.EXPIRED, "not sent before it expired")
    if row.get("strikes", 0) >= MAX_STRIKES:
        return Skip(OutboxStatus.DEAD, f"set aside: broke its worker {row['strikes']} times (crash or unexpected error)")
    return None


def check_invitation(row: dict, invitation: dict | None, now: datetime) -> Skip | None:
    """A staff invitation: sent while it is still unused (and within its lifetime)."""
    if invitation is None or invitation["used_at"] is not None:
        return Skip(OutboxStatus.CANCELLED, "invitation no longer open")
    return check_config_check(row, now)
