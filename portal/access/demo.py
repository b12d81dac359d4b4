"""The demo practice's administrator: fixed, public credentials (README) so that `make run`
leads straight into the back-office. Never on a real practice: only `creneau demo` creates it."""

from __future__ import annotations

from portal.access import accounts, secrets as creds
from portal.access.models import StaffUser
from portal.context import Ctx
from portal.models import Practice
from portal.practice.demo import DEMO_PRACTICE

DEMO_ADMIN_EMAIL = "admin@cabinet-des-lilas.example"
DEMO_ADMIN_PASSWORD = "lilas-demo-2026"


async def create_demo_admin(ctx: Ctx, practice: Practice) -> StaffUser:
    existing = await StaffUser.get_or_none(email=DEMO_ADMIN_EMAIL)
    if existing is not None:
        return existing
    user, _ = await accounts.add_user(ctx, DEMO_ADMIN_EMAIL, "admin", practice, name="Administrateur de démonstration",
                                      password=DEMO_ADMIN_PASSWORD)
    return user


async def demo_admin_still_open() -> bool:
    """The demo practice is loaded and its administrator still has the published password
    (worth repeating in the start-up log; a changed password is never printed)."""
    if not await Practice.filter(slug=DEMO_PRACTICE).exists():
        return False
    user = await StaffUser.get_or_none(email=DEMO_ADMIN_EMAIL, practice__slug=DEMO_PRACTICE, disabled=False)
    return user is not None and creds.password_matches(user.password_hash, DEMO_ADMIN_PASSWORD)
