"""Claiming due outbox rows, one statement per batch, on both databases.

PostgreSQL: `FOR UPDATE SKIP LOCKED` lets any number of workers take disjoint batches without
waiting for each other. SQLite has no row locks: the single UPDATE … RETURNING statement takes
the database's write lock, so two processes still never claim the same row.

A claim sets `status='sending'`, a lease and `attempts + 1`; `attempts` after the claim is the
fencing token: an outcome is recorded only if the row is still this claim's. The claimed row
also carries its strikes (notifier.models.OutboxStrike) for the poison rule.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import connections
from tortoise.transactions import in_transaction

from portal.db import retry_locked

COLUMNS = ("id, practice_id, appointment_id, kind, channel, audience, appointment_version, dedupe_key, expires_at, "
           "attempts, created_at, "
           "COALESCE((SELECT strikes FROM notifier_outbox_strike WHERE message_id = outbox_message.id), 0) AS strikes")

_CLAIM = {
    "postgres": f"""
        UPDATE outbox_message SET status = 'sending', lease_until = $2, attempts = attempts + 1
        WHERE id IN (
            SELECT id FROM outbox_message
            WHERE status = 'pending' AND next_attempt_at <= $1
            ORDER BY next_attempt_at, id LIMIT $3
            FOR UPDATE SKIP LOCKED
        )
        RETURNING {COLUMNS}""",
    "sqlite": f"""
        UPDATE outbox_message SET status = 'sending', lease_until = ?, attempts = attempts + 1
        WHERE id IN (
            SELECT id FROM outbox_message
            WHERE status = 'pending' AND next_attempt_at <= ?
            ORDER BY next_attempt_at, id LIMIT ?
        )
        RETURNING {COLUMNS}""",
}
# A worker that died (SIGKILL, power cut) or hung leaves rows in 'sending': once the lease is
# over they are due again, with one more strike each, so that a message that kills every worker
# touching it ends up dead instead of looping. PostgreSQL does both in one statement (a
# concurrent release waits on the row locks, then finds nothing left to count); SQLite, which has
# no DML in WITH, runs the two in one transaction under its single write lock.
_STRIKE_UPSERT = " ON CONFLICT (message_id) DO UPDATE SET strikes = notifier_outbox_strike.strikes + 1"
_RELEASE = {  # dialect -> [(statement, how many times it takes `now`)]
    "postgres": [
        ("WITH released AS (UPDATE outbox_message SET status = 'pending', next_attempt_at = $1 "
         "WHERE status = 'sending' AND lease_until < $1 RETURNING id) "
         "INSERT INTO notifier_outbox_strike (message_id, strikes) SELECT id, 1 FROM released" + _STRIKE_UPSERT, 1),
    ],
    "sqlite": [
        ("INSERT INTO notifier_outbox_strike (message_id, strikes) SELECT id, 1 FROM outbox_message "
         "WHERE status = 'sending' AND lease_until < ?" + _STRIKE_UPSERT, 1),
        ("UPDATE outbox_message SET status = 'pending', next_attempt_at = ? "
         "WHERE status = 'sending' AND lease_until < ?", 2),
    ],
}
_STRIKE = {
    "postgres": "INSERT INTO notifier_outbox_strike (message_id, strikes) VALUES ($1, 1)" + _STRIKE_UPSERT,
    "sqlite": "INSERT INTO notifier_outbox_strike (message_id, strikes) VALUES (?, 1)" + _STRIKE_UPSERT,
}


def _dialect() -> str:
    return "postgres" if connections.get("default").capabilities.dialect == "postgres" else "sqlite"


def _sqlite_time(value: datetime) -> str:
    # The text form tortoise stores on SQLite: comparisons in SQL are then string comparisons.
    return str(value.astimezone(UTC))


def _parse(row: dict) -> dict:
    value = row["expires_at"]
    if isinstance(value, str):
        row["expires_at"] = datetime.fromisoformat(value)
    return row


async def release_expired_leases(now: datetime) -> int:
    """Make rows whose lease is over due again (one strike each); returns how many."""
    dialect = _dialect()
    moment = now if dialect == "postgres" else _sqlite_time(now)

    async def run() -> int:
        async with in_transaction("default") as conn:
            count = 0
            for sql, uses in _RELEASE[dialect]:
                count, _ = await conn.execute_query(sql, [moment] * uses)
            return count  # the last statement's: the rows released

    return await retry_locked(run)


async def add_strike(message_id: int) -> None:
    """One more strike for a message that raised something unexpected."""
    conn = connections.get("default")
    sql = _STRIKE[_dialect()]
    await retry_locked(lambda: conn.execute_query(sql, [message_id]))


async def claim_due(now: datetime, lease_until: datetime, limit: int) -> list[dict]:
    dialect = _dialect()
    if dialect == "postgres":
        params = [now, lease_until, limit]
    else:
        params = [_sqlite_time(lease_until), _sqlite_time(now), limit]
    conn = connections.get("default")

    async def run() -> list[dict]:
        return [_parse(dict(row)) for row in await conn.execute_query_dict(_CLAIM[dialect], params)]

    rows = await retry_locked(run)
    rows.sort(key=lambda row: row["id"])
    return rows
