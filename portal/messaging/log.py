"""The practice's message log (issue 14 item 8): every message with its kind, channel, status,
attempts, last error and dates, never its text (the outbox holds none: it is rendered at send
time). A member limited to some practitioners sees the messages of their appointments only."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.queryset import QuerySet

from portal import access
from portal.context import Ctx
from portal.models import OutboxMessage, OutboxStatus

PAGE_SIZE = 50
COLUMNS = ("id", "kind", "channel", "audience", "status", "attempts", "last_error", "created_at", "due_at",
           "sent_at", "expires_at", "appointment_id")
RETRYABLE = (OutboxStatus.FAILED, OutboxStatus.DEAD)
STATUSES = tuple(status.value for status in OutboxStatus)


@dataclass(frozen=True)
class LogPage:
    rows: list[dict]
    older: int | None  # the next page holds the messages before this id (None: this is the last)
    newer: int | None  # the previous page, the messages after this id (None: this is the first)


def visible(ctx: Ctx) -> QuerySet[OutboxMessage]:
    """The messages the context may see: its practices', narrowed to its practitioners'
    appointments when its scope is (messages without an appointment are the practice's)."""
    access.require_staff(ctx)
    query = access.scoped(ctx, OutboxMessage.all())
    if ctx.scope.practitioner_ids is not None:
        query = query.filter(appointment__practitioner_id__in=sorted(ctx.scope.practitioner_ids))
    return query


async def message_log(ctx: Ctx, status: str = "", *, before: int | None = None, after: int | None = None) -> LogPage:
    """One page of the log, newest first: the newest messages, those just `before` an id (the
    next page) or just `after` one (back to the previous); `status` narrows it to one status.
    Keyset pages: a page far back costs what the first does (an offset read every row before
    it), and messages arriving meanwhile do not shift a page onto the one already read."""
    query = visible(ctx)
    if status in STATUSES:
        query = query.filter(status=status)
    if after is not None:
        rows = await query.filter(id__gt=after).order_by("id").limit(PAGE_SIZE + 1).values(*COLUMNS)
        more_newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        return LogPage(rows, rows[-1]["id"] if rows else None, rows[0]["id"] if rows and more_newer else None)
    if before is not None:
        query = query.filter(id__lt=before)
    rows = await query.order_by("-id").limit(PAGE_SIZE + 1).values(*COLUMNS)
    rows, more_older = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    return LogPage(rows, rows[-1]["id"] if more_older else None,
                   rows[0]["id"] if rows and before is not None else None)
