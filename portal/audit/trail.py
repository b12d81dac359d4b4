"""Reading the audit trail: for a practice's administrators only, filtered and paginated.

Anyone else — another role, another practice's administrator, a visitor — finds nothing
(NotFound, as for any object outside a scope): the trail names who read which patient's data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal import access
from portal.access.models import StaffUser
from portal.audit.record import record_read
from portal.context import Ctx
from portal.errors import FieldErrors
from portal.models import AuditEvent

DEFAULT_LIMIT, MAX_LIMIT = 50, 200


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None  # "appointment.view", or a prefix ending with a dot: "appointment."
    actor: str | None = None  # an actor label ("staff:7", "visitor", "system:worker") or a staff e-mail
    patient_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    object_type: str
    object_id: int | None
    patient_id: int | None
    detail: dict
    channel: str
    ip: str
    staff: str = ""  # a staff actor's name and e-mail (staff data, not a patient's): who "staff:7" is


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditLine]  # newest first
    next_cursor: int | None  # the last event's id: the next page holds older events


def _check(filters: AuditFilters, limit: object, cursor: object) -> None:
    errors = {}
    if type(limit) is not int or not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = f"De 1 à {MAX_LIMIT} événements par page."
    if cursor is not None and (type(cursor) is not int or not 1 <= cursor <= 2**63 - 1):
        errors["cursor"] = "Cette page du journal n'existe pas."
    if filters.patient_id is not None and not access.is_id(filters.patient_id):
        errors["patient_id"] = "Ce filtre n'est pas valide."
    for name in ("since", "until"):
        value = getattr(filters, name)
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            errors[name] = "Indiquez une date et une heure avec leur fuseau."
    for name, longest in (("action", 48), ("actor", 254)):
        value = getattr(filters, name)
        if value is not None and (not isinstance(value, str) or len(value) > longest):
            errors[name] = "Ce filtre n'est pas valide."
    if errors:
        raise FieldErrors(errors)


def _staff_of_practice(ctx: Ctx):
    """The staff accounts whose name and e-mail the reader may see: their own practice's."""
    practices = ctx.scope.practice_ids
    return StaffUser.all() if practices is None else StaffUser.filter(practice_id__in=practices)


async def _actor(ctx: Ctx, typed: str) -> str:
    """The actor label a filter names: as typed, or the label of the staff account with that e-mail."""
    if "@" not in typed:
        return typed
    found = await _staff_of_practice(ctx).filter(email=typed.strip().lower()).values_list("id", flat=True)
    if not found:
        raise FieldErrors({"actor": "Aucun compte de l’équipe n’a cette adresse."})
    return f"staff:{found[0]}"


async def _staff_names(ctx: Ctx, actors: set[str]) -> dict[str, str]:
    """{"staff:7": "Claire Dubois <claire@…>"} for the staff actors among `actors`."""
    ids = {int(actor[6:]) for actor in actors
           if actor.startswith("staff:") and actor[6:].isascii() and actor[6:].isdigit() and len(actor) <= 16}
    if not ids:
        return {}
    rows = await _staff_of_practice(ctx).filter(id__in=ids).values_list("id", "name", "email")
    return {f"staff:{id_}": f"{name} <{email}>" if name else email for id_, name, email in rows}


async def list_audit(ctx: Ctx, filters: AuditFilters = AuditFilters(), *, limit: int = DEFAULT_LIMIT,
                     cursor: int | None = None) -> AuditPage:
    access.require_admin(ctx)
    _check(filters, limit, cursor)
    query = access.scoped(ctx, AuditEvent.all())
    if filters.action:
        query = query.filter(action__startswith=filters.action) if filters.action.endswith(".") else \
            query.filter(action=filters.action)
    if filters.actor:
        query = query.filter(actor=await _actor(ctx, filters.actor))
    if filters.patient_id is not None:
        query = query.filter(patient_id=filters.patient_id)
    if filters.since is not None:
        query = query.filter(at__gte=filters.since)
    if filters.until is not None:
        query = query.filter(at__lt=filters.until)
    if cursor is not None:
        query = query.filter(id__lt=cursor)
    rows = await query.order_by("-id").limit(limit + 1).values_list(
        "id", "at", "actor", "role", "action", "object_type", "object_id", "patient_id", "detail", "channel", "ip")
    who = await _staff_names(ctx, {actor for _, _, actor, *_ in rows[:limit]})
    events = [AuditLine(*row, staff=who.get(row[2], "")) for row in rows[:limit]]
    if events:  # patients' ids and the addresses they booked from: who read them is kept too
        practices = ctx.scope.practice_ids or frozenset()
        await record_read(ctx, "audit.view", "audit_event", None,
                          practice_id=next(iter(practices)) if len(practices) == 1 else None,
                          patient_id=filters.patient_id, count=len(events))
    return AuditPage(events, events[-1].id if len(rows) > limit else None)
