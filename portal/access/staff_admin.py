"""The practice's staff, managed by its administrator (issue 14 item 9): each account's role,
the practitioner a practitioner account is, the agendas an assistant may see, disabling. Each
change audited; the account's sessions end so the new scope applies at once."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.transactions import in_transaction

from portal import access
from portal.access.models import StaffGrant, StaffRole, StaffUser
from portal.access.sessions import close_all_sessions
from portal.audit.record import record
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors, NotAllowed, NotFound


async def practice_staff(ctx: Ctx) -> list[StaffUser]:
    practice = await access.administered_practice(ctx)
    return await StaffUser.filter(practice_id=practice.id).order_by("email").prefetch_related("grants")


async def staff_member(ctx: Ctx, staff_id: int) -> StaffUser:
    practice = await access.administered_practice(ctx)
    found = await StaffUser.filter(id=staff_id, practice_id=practice.id).first() if access.is_id(staff_id) else None
    if found is None:
        raise NotFound("Compte introuvable.")
    return found


def _is_self(ctx: Ctx, user: StaffUser) -> bool:
    return ctx.actor.name == str(user.id)


async def set_role(ctx: Ctx, staff_id: int, role: str, practitioner_id: int | None,
                   granted: Iterable[int]) -> None:
    user = await staff_member(ctx, staff_id)
    errors: dict[str, str] = {}
    if role not in set(StaffRole):
        errors["role"] = "Choisissez un rôle de la liste."
    elif _is_self(ctx, user) and role != StaffRole.ADMIN:
        errors["role"] = "Vous ne pouvez pas retirer votre propre rôle d'administrateur."
    ours = set(await access.practitioners(ctx).values_list("id", flat=True))
    if role == StaffRole.PRACTITIONER and practitioner_id not in ours:
        errors["practitioner"] = "Un compte praticien désigne son praticien."
    grants = sorted(set(granted) & ours) if role == StaffRole.ASSISTANT else []
    if set(granted) - ours:
        errors["grants"] = "Choisissez des praticiens du cabinet."
    if errors:
        raise FieldErrors(errors)

    async def transaction() -> None:
        async with in_transaction() as conn:
            await StaffUser.filter(id=user.id).using_db(conn).update(
                role=role, practitioner_id=practitioner_id if role == StaffRole.PRACTITIONER else None,
                updated_at=ctx.now)
            await StaffGrant.filter(staff_id=user.id).using_db(conn).delete()
            for practitioner in grants:
                await StaffGrant.create(staff_id=user.id, practitioner_id=practitioner, using_db=conn)
            await record(conn, ctx, "staff.role", "staff", user.id, practice_id=user.practice_id, status=role,
                         count=len(grants))

    await retry_locked(transaction)
    if not _is_self(ctx, user):
        await close_all_sessions(user)


async def disable_member(ctx: Ctx, staff_id: int) -> None:
    user = await staff_member(ctx, staff_id)
    if _is_self(ctx, user):
        raise NotAllowed("Vous ne pouvez pas désactiver votre propre compte.")

    async def transaction() -> None:
        async with in_transaction() as conn:
            await StaffUser.filter(id=user.id).using_db(conn).update(disabled=True, updated_at=ctx.now)
            await record(conn, ctx, "staff.disable", "staff", user.id, practice_id=user.practice_id)

    await retry_locked(transaction)
    await close_all_sessions(user)
