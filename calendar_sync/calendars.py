"""Registering a practitioner's external calendars (any number of iCal addresses)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from calendar_sync.fetch import normalise_url
from calendar_sync.models import ExternalCalendar
from calendar_sync.url_guard import BlockedAddress, check_ip_literal, refusal, system_resolver
from portal import access
from portal.audit.record import record as audit
from portal.context import Ctx
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


# The back-office's use cases (issue 14 item 7): the same, for a signed-in member, checked
# against their scope and audited in the transaction of the change (never the address: its
# path is a password at Google or iCloud).

NAME_CHECK_SECONDS = 3.0
URL_MAX_LENGTH = 2000
SCHEME_MESSAGE = "Indiquez l'adresse iCal de l'agenda : elle commence par https://, http:// ou webcal://."
INTERNAL_MESSAGE = ("Cette adresse mène à un réseau interne ou réservé : Créneau ne la consulte pas. "
                    "Indiquez l'adresse iCal publique (ou secrète) donnée par votre agenda.")


async def _refuse_internal(url: str, resolver) -> None:
    """An address written as, or resolving now to, an internal IP is refused with a clear
    message; the guard checks again at every connection (a name may change its answer)."""
    host = urlsplit(url).hostname or ""
    try:
        check_ip_literal(host)
        addresses = await asyncio.wait_for(resolver(host, 443), NAME_CHECK_SECONDS)
    except BlockedAddress:
        raise FieldErrors({"url": INTERNAL_MESSAGE}) from None
    except (OSError, TimeoutError, UnicodeError):
        return  # not resolvable now: the guard decides at each download
    if any(refusal(address) for address in addresses):
        raise FieldErrors({"url": INTERNAL_MESSAGE})


async def add_external_calendar(ctx: Ctx, practitioner: str, url: str, *, label: str = "",
                                allow_internal: bool = False, resolver=system_resolver) -> ExternalCalendar:
    errors = {}
    if len(label) > 120:
        errors["label"] = "120 caractères au plus."
    try:
        url = normalise_url(url[:URL_MAX_LENGTH + 1])
        if len(url) > URL_MAX_LENGTH:
            errors["url"] = f"{URL_MAX_LENGTH} caractères au plus."
    except ValueError:
        errors["url"] = SCHEME_MESSAGE
    if "url" not in errors and not allow_internal:
        try:
            await _refuse_internal(url, resolver)
        except FieldErrors as exc:
            errors.update(exc.fields)
    if errors:
        raise FieldErrors(errors)
    rows = await access.scoped(ctx, Practitioner.filter(slug=practitioner), practitioner="id"
                               ).values_list("id", "practice_id")
    if not rows:
        raise FieldErrors({"practitioner": "Choisissez le praticien."})
    practitioner_id, practice_id = rows[0]

    async def transaction() -> ExternalCalendar:
        async with in_transaction() as conn:
            row = await ExternalCalendar.create(practitioner_id=practitioner_id, url=url, label=label,
                                                created_at=ctx.now, next_attempt_at=ctx.now, using_db=conn)
            await audit(conn, ctx, "external_calendar.add", "external_calendar", row.id, practice_id=practice_id,
                        practitioner_id=practitioner_id)
            return row

    return await retry_locked(transaction)


def external_calendars(ctx: Ctx):
    """The external calendars of the practitioners the context may touch."""
    return access.scoped(ctx, ExternalCalendar.all(), practice="practitioner__practice_id",
                         practitioner="practitioner_id")


async def list_external_calendars(ctx: Ctx) -> list[ExternalCalendar]:
    return await external_calendars(ctx).select_related("practitioner").order_by("id")


async def external_calendar(ctx: Ctx, calendar_id: int) -> ExternalCalendar:
    """One calendar the context may touch, with its practitioner (for a confirmation page)."""
    found = await external_calendars(ctx).filter(id=calendar_id).select_related("practitioner").first() \
        if access.is_id(calendar_id) else None
    if found is None:
        raise NotFound("Agenda externe introuvable.")
    return found


async def remove_external_calendar(ctx: Ctx, calendar_id: int) -> int:
    """Removes a source in the context's scope with its busy blocks; returns how many went."""
    found = await external_calendars(ctx).filter(id=calendar_id).select_related("practitioner").first() \
        if access.is_id(calendar_id) else None
    if found is None:
        raise NotFound("Agenda externe introuvable.")

    async def transaction() -> int:
        async with in_transaction() as conn:
            if not await lock_calendar(calendar_id, conn):
                raise NotFound("Agenda externe introuvable.")
            blocks = await BusyBlock.filter(source_id=calendar_id).using_db(conn).delete()
            await ExternalCalendar.filter(id=calendar_id).using_db(conn).delete()
            await audit(conn, ctx, "external_calendar.remove", "external_calendar", calendar_id,
                        practice_id=found.practitioner.practice_id, practitioner_id=found.practitioner_id,
                        count=blocks)
            return blocks

    return await retry_locked(transaction)
