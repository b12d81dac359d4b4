"""Registering a practitioner's external calendars (any number of iCal addresses)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from calendar_sync.fetch import normalise_url
from calendar_sync.models import ExternalCalendar
from calendar_sync.url_guard import BlockedAddress, check_ip_literal
from portal.db import retry_locked
from portal.errors import NotFound
from portal.models import BusyBlock, Practitioner
from portal.patients.input import FieldErrors


async def add_calendar(practitioner: str, url: str, *, now: datetime, label: str = "",
                       allow_internal: bool = False) -> ExternalCalendar:
    """Due at once: the next sync round imports it. An address written as an internal IP is
    refused here; a name is checked at every connection (calendar_sync.url_guard)."""
    try:
        url = normalise_url(url)
        if not allow_internal:
            check_ip_literal(urlsplit(url).hostname or "")
    except (ValueError, BlockedAddress) as exc:
        raise FieldErrors({"url": str(exc)}) from None
    ids = await Practitioner.filter(slug=practitioner).values_list("id", flat=True)
    if not ids:
        raise NotFound(f"Praticien introuvable : {practitioner}")
    return await retry_locked(lambda: ExternalCalendar.create(
        practitioner_id=ids[0], url=url, label=label, created_at=now, next_attempt_at=now,
    ))


async def list_calendars(practitioner: str | None = None) -> list[ExternalCalendar]:
    query = ExternalCalendar.all().select_related("practitioner").order_by("id")
    if practitioner:
        query = query.filter(practitioner__slug=practitioner)
    return await query


async def lock_calendar(calendar_id: int, conn) -> bool:
    """Inside a transaction: whether the source still exists, its row locked until commit.

    Removal and import both take this lock first, so they cannot interleave: on PostgreSQL an
    import that saw the row writes its blocks before the removal's DELETE starts (and that
    statement then sees them); an import that waited finds the row gone. SQLite drops FOR UPDATE,
    but its single writer serialises the two transactions (a stale snapshot fails as "locked"
    and `retry_locked` reruns it).
    """
    row = await ExternalCalendar.filter(id=calendar_id).select_for_update().using_db(conn).only("id").first()
    return row is not None


async def remove_calendar(calendar_id: int) -> int:
    """Removes the source and its busy blocks together; returns how many blocks went."""

    async def transaction() -> int:
        async with in_transaction() as conn:
            if not await lock_calendar(calendar_id, conn):
                raise NotFound(f"Agenda externe introuvable : {calendar_id}")
            blocks = await BusyBlock.filter(source_id=calendar_id).using_db(conn).delete()
            await ExternalCalendar.filter(id=calendar_id).using_db(conn).delete()
            return blocks

    return await retry_locked(transaction)
