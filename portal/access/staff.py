"""A signed-in staff member's acting context: their role decides the scope every use case checks."""

from __future__ import annotations

from datetime import datetime

from portal.access.models import StaffGrant, StaffRole, StaffUser
from portal.context import Actor, ActorKind, Ctx, Scope


async def staff_scope(user: StaffUser) -> Scope:
    """admin: the practice · practitioner: the practice and their own agenda · assistant: the
    practice and the practitioners granted. A practitioner account linked to no practitioner, or
    an assistant with no grant, sees no agenda at all (an empty set, never "no limit")."""
    practice = frozenset({user.practice_id})
    if user.role == StaffRole.ADMIN:
        return Scope(practice_ids=practice)
    if user.role == StaffRole.PRACTITIONER:
        own = frozenset({user.practitioner_id}) if user.practitioner_id else frozenset()
        return Scope(practice_ids=practice, practitioner_ids=own)
    granted = await StaffGrant.filter(staff_id=user.id, practitioner__practice_id=user.practice_id
                                      ).values_list("practitioner_id", flat=True)
    return Scope(practice_ids=practice, practitioner_ids=frozenset(granted))


async def staff_ctx(user: StaffUser, now: datetime, ip: str = "", channel: str = "admin",
                    locale: str = "fr") -> Ctx:
    actor = Actor(ActorKind.STAFF, str(user.id), str(user.role))
    return Ctx(actor, now, scope=await staff_scope(user), channel=channel, ip=ip, locale=locale)
