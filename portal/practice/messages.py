"""What the practice's messages say (issue 14 items 4 and 5): how much an SMS says, and what a
preview of the patient's messages is made of. Read and changed by the practice's administrator.

The rule for naming a service: patient messages (SMS, e-mail, the invitation) name a service only
when that service allows it (`Service.messages_name_service`, off by default: "Bilan
psychologique" says why one sees a practitioner). The practitioner's own notices always name it,
and the calendar feeds follow their own level (calendar_sync), not this switch.

The SMS detail level: "minimal" says when, which practice and where to manage, never who (a
name can be looked up, a profession says why); "standard" adds the practitioner's name. Both
stay within one GSM-7 segment (notifier.render).
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from portal.access import administered_practice
from portal.audit.record import record
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors, NotFound
from portal.models import Practice, Practitioner, Service

SMS_DETAILS = ("minimal", "standard")


async def set_sms_detail(ctx: Ctx, level: str) -> Practice:
    """Changes the practice's SMS detail level, audited in the same transaction."""
    practice = await administered_practice(ctx)
    if level not in SMS_DETAILS:
        raise FieldErrors({"sms_detail": "Choisissez un niveau de détail de la liste."})

    async def transaction() -> None:
        async with in_transaction() as conn:
            await Practice.filter(id=practice.id).using_db(conn).update(sms_detail=level)
            await record(conn, ctx, "practice.sms_detail", "practice", practice.id, practice_id=practice.id,
                         level=level)

    await retry_locked(transaction)
    return await Practice.get(id=practice.id)


@dataclass(frozen=True)
class PreviewSubject:
    """What a preview is rendered for: the administrator's practice, one of its services (the
    one asked for, else the first one) and that service's practitioner (None without services)."""

    practice: Practice
    practitioner: Practitioner | None
    service: Service | None
    services: list[tuple[Service, Practitioner]]  # every service the preview may be asked for


async def preview_subject(ctx: Ctx, service_id: int | None) -> PreviewSubject:
    """NotFound for a service outside the practice (or archived)."""
    practice = await administered_practice(ctx)
    practitioners = {p.id: p for p in await Practitioner.filter(practice_id=practice.id, archived_at=None)
                     .order_by("last_name", "first_name", "id")}
    services = [service for service in await Service.filter(practitioner_id__in=list(practitioners), archived_at=None)
                .order_by("practitioner_id", "position", "id")] if practitioners else []
    pairs = [(service, practitioners[service.practitioner_id]) for service in services]
    if service_id is not None:
        chosen = next((pair for pair in pairs if pair[0].id == service_id), None)
        if chosen is None:
            raise NotFound("Prestation introuvable.")
    elif pairs:
        chosen = pairs[0]
    else:
        return PreviewSubject(practice, None, None, [])
    return PreviewSubject(practice, chosen[1], chosen[0], pairs)
