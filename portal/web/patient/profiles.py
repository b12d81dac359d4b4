"""Public profile of one practitioner, read narrowly for the booking pages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from portal import access
from portal.context import Ctx
from portal.errors import NotFound
from portal.models import Service


async def practitioner_profile(ctx: Ctx, slug: str) -> dict:
    rows = await access.bookable_practitioners(ctx, slug=slug).values(
        "id", "slug", "title", "first_name", "last_name", "profession", "bio",
        "practice__slug", "practice__name", "practice__address", "practice__phone", "practice__timezone",
        "practice__cancellation_cutoff_hours",
    )
    if not rows:
        raise NotFound("Praticien introuvable.")
    row = rows[0]
    services = await Service.filter(practitioner_id=row["id"], bookable_online=True).order_by("position", "id").values(
        "slug", "name", "name_en", "duration_minutes", "price_cents", "audience"
    )
    return {
        "slug": row["slug"],
        "name": " ".join(p for p in (row["title"], row["first_name"], row["last_name"]) if p),
        "profession": row["profession"],
        "bio": row["bio"],
        "practice": {
            "slug": row["practice__slug"], "name": row["practice__name"], "address": row["practice__address"],
            "phone": row["practice__phone"], "cutoff_hours": row["practice__cancellation_cutoff_hours"],
        },
        "tz": ZoneInfo(row["practice__timezone"]),
        "services": services,
    }


def find_service(profile: dict, slug: str | None) -> dict | None:
    return next((s for s in profile["services"] if s["slug"] == slug), None)
