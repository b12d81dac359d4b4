"""Retention (`creneau purge`, run daily by the worker and by `creneau serve` on SQLite): each
rule of DOMAIN.md applied at `ctx.now`, reported as counts (never names).

- Patients: anonymised like an erasure (portal.patients.erasure) once their practice's
  `retention_months` have passed since their last visit (or since their record was created when
  they never had one), or 2 months after the practice's `contract_ends_on` for all of them.
- IP addresses of consent and audit rows: blanked after 12 months.
- Audit events: deleted after 13 months (the database refuses anything younger).
- Consent proofs: kept (the database refuses deleting them); minimal once their IP is blanked.
- Message files under var/outbox/ (the file backends): deleted after OUTBOX_FILE_DAYS.
- Expired privacy links (with the messages that carried them), replay records older than a day.
"""

from __future__ import annotations

import calendar
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from portal.context import Ctx
from portal.db import dialect
from portal.models import AuditEvent, ConsentRecord, IdempotencyRecord, OutboxMessage, Practice, PrivacyLink
from portal.patients.erasure import erase_patients, flush_journal, remove_message_files
from portal.sql import execute, fetch

IP_MONTHS, AUDIT_MONTHS, CONTRACT_GRACE_MONTHS = 12, 13, 2
IDEMPOTENCY_TTL = timedelta(hours=24)
BATCH = 500  # patients anonymised per transaction


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's last day)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass
class PurgeReport:
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        verb = "would be" if self.dry_run else "were"
        return [f"{what}: {count} {verb} {action}" for (what, action), count in
                ((key.split("|", 1), value) for key, value in self.counts.items())]


# The database's own limit (its trigger, migration 0006, reads the database's clock): also in the
# statement, so that a purge run with another `now` (tests, a clock ahead) skips what it may not
# delete instead of failing.
_DB_AUDIT_LIMIT = {"sqlite": "datetime('now', '-13 months')", "postgres": "now() - interval '13 months'"}

_LAST_VISIT = """
    SELECT patient.id FROM patient LEFT JOIN appointment ON appointment.patient_id = patient.id
    WHERE patient.practice_id = ? AND patient.erased_at IS NULL
    GROUP BY patient.id, patient.created_at
    HAVING COALESCE(MAX(appointment.ends_at), patient.created_at) < ?"""


async def expired_patients(practice: Practice, now: datetime) -> list[int]:
    cutoff = months_before(now, practice.retention_months)
    if practice.contract_ends_on is not None:
        ended = datetime.combine(practice.contract_ends_on, datetime.min.time(), now.tzinfo)
        if months_before(now, CONTRACT_GRACE_MONTHS) >= ended:
            cutoff = now + timedelta(days=36500)  # the contract is over: everyone
    return [row[0] for row in await fetch(_LAST_VISIT, practice.id, cutoff)]


async def purge(ctx: Ctx, *, outbox_dir: Path | None, outbox_file_days: int, dry_run: bool = False) -> PurgeReport:
    report = PurgeReport(dry_run)
    now = ctx.now

    async def step(key: str, count: Callable[[], Awaitable[int]], act: Callable[[], Awaitable[int]]) -> None:
        report.counts[key] = await (count() if dry_run else act())

    patients = [pid for practice in await Practice.all() for pid in await expired_patients(practice, now)]

    async def anonymise() -> int:
        for start in range(0, len(patients), BATCH):
            await erase_patients(ctx, patients[start:start + BATCH], outbox_dir=outbox_dir, source="retention")
        return len(patients)

    await step("patients|anonymised", _value(len(patients)), anonymise)
    ip_cutoff, audit_cutoff = months_before(now, IP_MONTHS), months_before(now, AUDIT_MONTHS)
    consents = ConsentRecord.filter(recorded_at__lt=ip_cutoff).exclude(ip="")
    audit_ips = AuditEvent.filter(at__lt=ip_cutoff, at__gte=audit_cutoff).exclude(ip="")
    await step("consent IP addresses|blanked", consents.count, lambda: consents.update(ip=""))
    await step("audit IP addresses|blanked", audit_ips.count, lambda: audit_ips.update(ip=""))
    old_audit = f"FROM audit_event WHERE at < ? AND at < {_DB_AUDIT_LIMIT[dialect()]}"

    async def count_audit() -> int:
        return (await fetch(f"SELECT COUNT(*) {old_audit}", audit_cutoff))[0][0]

    await step("audit events|deleted", count_audit, lambda: execute(f"DELETE {old_audit}", audit_cutoff))
    await _links(ctx, step, outbox_dir)
    replays = IdempotencyRecord.filter(created_at__lt=now - IDEMPOTENCY_TTL)
    await step("replay records|deleted", replays.count, replays.delete)
    old_files = _old_files(outbox_dir, now - timedelta(days=outbox_file_days))
    await step("message files|deleted", _value(len(old_files)), lambda: _unlink(old_files))
    if not dry_run:
        await flush_journal()
    return report


async def _links(ctx: Ctx, step, outbox_dir: Path | None) -> None:
    expired = PrivacyLink.filter(expires_at__lt=ctx.now)

    async def delete() -> int:
        messages = [m for m in await expired.values_list("outbox_message_id", flat=True) if m]
        await OutboxMessage.filter(id__in=messages).delete()
        if outbox_dir is not None:
            remove_message_files(outbox_dir, messages)
        return await PrivacyLink.filter(expires_at__lt=ctx.now).delete()

    await step("expired privacy links|deleted", expired.count, delete)


def _value(count: int) -> Callable[[], Awaitable[int]]:
    async def value() -> int:
        return count
    return value


def _old_files(outbox_dir: Path | None, cutoff: datetime) -> list[Path]:
    if outbox_dir is None or not outbox_dir.is_dir():
        return []
    return [path for path in outbox_dir.iterdir() if path.is_file() and path.stat().st_mtime < cutoff.timestamp()]


async def _unlink(paths: list[Path]) -> int:
    for path in paths:
        path.unlink(missing_ok=True)
    return len(paths)

