"""Claiming due outbox rows, one statement per batch, on both databases.

PostgreSQL: `FOR UPDATE SKIP LOCKED` lets any number of workers take disjoint batches without
waiting for each other. SQLite has no row locks: the single UPDATE … RETURNING statement takes
the database's write lock, so two processes still never claim the same row.

A claim sets `status='sending'`, a lease and `attempts + 1`; `attempts` after the claim is the
fencing token: an outcome is recorded only if the row is still this claim's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import connections

from portal.db import retry_locked

COLUMNS = "id, practice_id, appointment_id, kind, channel, audience, appointment_version, expires_at, attempts"

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
# A worker that died (SIGKILL, power cut) leaves rows in 'sending': once the lease is over they
# are due again. Attempts were counted at the claim, so a message that kills every worker that
# touches it ends up dead instead of looping.
_RELEASE = {
    "postgres": "UPDATE outbox_message SET status = 'pending', next_attempt_at = $1 "
                "WHERE status = 'sending' AND lease_until < $1",
    "sqlite": "UPDATE outbox_message SET status = 'pending', next_attempt_at = ? "
              "WHERE status = 'sending' AND lease_until < ?",
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
    dialect = _dialect()
    params = [now] if dialect == "postgres" else [_sqlite_time(now)] * 2
    conn = connections.get("default")

    async def run() -> int:
        count, _ = await conn.execute_query(_RELEASE[dialect], params)
        return count

    return await retry_locked(run)


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
