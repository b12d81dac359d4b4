"""Writing audit events, in the transaction of the change they record."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from portal.context import Ctx
from portal.db import retry_locked
from portal.sql import fetch, insert_many

AUDIT_COLUMNS = ("at", "practice_id", "actor", "role", "action", "object_type", "object_id", "patient_id", "detail",
                 "channel", "ip")
# What a detail may hold: ids, choices and states, never a name, an address or a comment.
# A read of a list (the agenda, appointments inside time off) says which agendas, which days and
# how many appointments it showed: enough to know whose data was seen, without copying any.
ALLOWED_DETAIL = frozenset({"practitioner_id", "appointment_id", "purpose", "granted", "status",
                            "version", "count", "source", "token_id", "level", "message_id",
                            "practitioner_ids", "date", "days", "shown"})


def event_row(ctx: Ctx, action: str, object_type: str, object_id: Any, *, practice_id: Any = None,
              patient_id: Any = None, **detail: Any) -> dict:
    """An event as the table's columns (ids may be SQL expressions of a single-statement write)."""
    unknown = set(detail) - ALLOWED_DETAIL
    if unknown:
        raise ValueError(f"audit detail may hold ids and choices only, not {sorted(unknown)}")
    return dict(at=ctx.now, practice_id=practice_id, actor=ctx.actor.label[:64], role=ctx.actor.role,
                action=action, object_type=object_type, object_id=object_id, patient_id=patient_id,
                detail=json.dumps(detail, sort_keys=True, default=str), channel=ctx.channel[:16], ip=ctx.ip[:45])


async def record(conn: BaseDBAsyncClient, ctx: Ctx, action: str, object_type: str, object_id: Any, *,
                 practice_id: Any = None, patient_id: Any = None, **detail: Any) -> None:
    await insert_many(conn, "audit_event", AUDIT_COLUMNS, [
        event_row(ctx, action, object_type, object_id, practice_id=practice_id, patient_id=patient_id, **detail)])


async def record_read(ctx: Ctx, action: str, object_type: str, object_id: Any, *, practice_id: Any = None,
                      patient_id: Any = None, **detail: Any) -> None:
    """A read of patient data by staff (appointment.view, patient.view): the event alone, in a
    transaction of its own, since a read writes nothing else."""
    await record_reads([event_row(ctx, action, object_type, object_id, practice_id=practice_id,
                                       patient_id=patient_id, **detail)])


# The same read of the same rows by the same member within this time is one read: a page that
# refreshes itself every minute (the agenda) would otherwise write 480 events a day per tab.
SAME_READ = timedelta(minutes=15)
_RECENT_READS_SQL = """SELECT detail FROM audit_event
WHERE practice_id = ? AND at > ? AND actor = ? AND action = ? ORDER BY at DESC LIMIT 50"""


async def record_read_once(ctx: Ctx, action: str, object_type: str, *, practice_id: int, **detail: Any) -> None:
    """record_read, unless this member recorded the same read (same action, same detail) within
    SAME_READ: `detail` must then say what was shown (e.g. a digest of the rows' ids)."""
    row = event_row(ctx, action, object_type, None, practice_id=practice_id, **detail)
    recent = await fetch(_RECENT_READS_SQL, practice_id, ctx.now - SAME_READ, row["actor"], action)
    if any(_as_dict(seen) == json.loads(row["detail"]) for seen, in recent):
        return
    await record_reads([row])


def _as_dict(detail: Any) -> dict:
    return json.loads(detail) if isinstance(detail, str | bytes) else detail


async def record_reads(rows: list[dict]) -> None:
    """Several reads at once (each patient a search showed: event_row per patient), one INSERT."""
    if not rows:
        return

    async def transaction() -> None:
        async with in_transaction() as conn:
            await insert_many(conn, "audit_event", AUDIT_COLUMNS, rows)

    await retry_locked(transaction)
