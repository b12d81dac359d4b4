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
MAX_PAGE = 10_000
COLUMNS = ("id", "kind", "channel", "audience", "status", "attempts", "last_error", "created_at", "due_at",
           "sent_at", "expires_at", "appointment_id")
RETRYABLE = (OutboxStatus.FAILED, OutboxStatus.DEAD)
STATUSES = tuple(status.value for status in OutboxStatus)


@dataclass(frozen=True)
class LogPage:
    rows: list[dict]
    page: int
    has_next: bool


def visible(ctx: Ctx) -> QuerySet[OutboxMessage]:
    """The messages the context may see: its practices', narrowed to its practitioners'
    appointments when its scope is (messages without an appointment are the practice's)."""
    access.require_staff(ctx)
    query = access.scoped(ctx, OutboxMessage.all())
    if ctx.scope.practitioner_ids is not None:
        query = query.filter(appointment__practitioner_id__in=sorted(ctx.scope.practitioner_ids))
    return query


async def message_log(ctx: Ctx, page: int = 1, status: str = "") -> LogPage:
    """One page of the log, newest first; `status` narrows it to one status."""
    page = min(max(page, 1), MAX_PAGE)
    query = visible(ctx)
    if status in STATUSES:
        query = query.filter(status=status)
    rows = await query.order_by("-id").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1).values(*COLUMNS)
    return LogPage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)
